DROP TABLE public_challenges_spent;
DROP TABLE public_report_files;
DROP TABLE public_reports;
DROP TABLE report_channels;
