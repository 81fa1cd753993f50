DROP TABLE campaign_common_problems;
DROP TABLE campaign_findings;
DROP TABLE campaign_shares;
DROP TABLE campaigns;
DROP TABLE self_checks;
DROP TABLE common_problem_findings;
DROP TABLE common_problems;
DROP TABLE audit_linkages;
