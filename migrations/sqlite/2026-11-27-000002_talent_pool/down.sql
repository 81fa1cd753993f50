DROP TABLE team_members;
DROP TABLE talent_commendations;
DROP TABLE talent_relations;
DROP TABLE talent_postings;
DROP TABLE talents;
