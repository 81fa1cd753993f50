DROP TABLE rectification_items;
DROP TABLE findings;
DROP TABLE inspected_units;
DROP TABLE teams;
DROP TABLE round_participants;
DROP TABLE rounds;
