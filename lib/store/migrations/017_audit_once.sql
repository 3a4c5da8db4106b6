-- An audit row written by an activity carries the activity's key: a retried attempt (its worker lost after the insert) adds no second row.
ALTER TABLE audit_log ADD COLUMN once_key text;
CREATE UNIQUE INDEX audit_log_once ON audit_log (once_key) WHERE once_key IS NOT NULL;
