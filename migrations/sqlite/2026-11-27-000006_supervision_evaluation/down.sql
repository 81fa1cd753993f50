DROP TABLE evaluation_scores;
DROP TABLE evaluation_units;
DROP TABLE evaluation_agencies;
DROP TABLE evaluations;
DROP TABLE campaign_units;
DROP TABLE campaign_agencies;
DROP TABLE supervision_campaigns;
