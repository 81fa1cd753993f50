DROP TABLE info_request_answers;
DROP TABLE info_request_subjects;
DROP TABLE info_request_targets;
DROP TABLE info_requests;
