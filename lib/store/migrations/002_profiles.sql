-- Profiles of snapshots, and where a validation report's HTML page is.
ALTER TABLE datasets ADD COLUMN profile_uri text;
ALTER TABLE validation_reports ADD COLUMN html_path text;
