-- The unit (user, device, session) a logged answer was routed by, so one subject's answers can be found and erased
-- (`mlcycle erase --unit`). A keyed hash when the model's pipeline marks personal fields; NULL when the client named none.
ALTER TABLE predictions ADD COLUMN unit_id text;
-- Only rows that name a unit pay for the index.
CREATE INDEX predictions_unit ON predictions (unit_id) WHERE unit_id IS NOT NULL;
