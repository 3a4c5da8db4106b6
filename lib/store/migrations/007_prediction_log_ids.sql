-- Every answered prediction is its own row: a request id a client sends again is logged again, never dropped.
-- A replica names each logged answer (log_id); a write retried after an unclear failure dedupes on it.
ALTER TABLE predictions ADD COLUMN log_id uuid;
UPDATE predictions SET log_id = gen_random_uuid() WHERE log_id IS NULL;
ALTER TABLE predictions ALTER COLUMN log_id SET NOT NULL;
CREATE UNIQUE INDEX predictions_log_id ON predictions (log_id);
DROP INDEX predictions_request_variant;
