-- The prediction log for batches: one row per request and variant (its instances column-wise, written with binary COPY)
-- instead of one row per instance. Measured on this machine (serving/ARCHITECTURE.md, "The log's layout"): PostgreSQL's
-- CPU per logged instance fell from ~10 µs to ~1.2 µs at 100 instances per request. `predictions` stays as a view with
-- one row per instance and the same columns, so every reader (feedback, quality, drift, audits, rollouts) still reads it.

-- Instance ids: a row takes a block of 16,384 (MAX_INSTANCES is 10,000): its instances are first_id .. first_id + n - 1.
CREATE SEQUENCE prediction_request_ids INCREMENT BY 16384;

CREATE TABLE prediction_requests (
  first_id      bigint NOT NULL DEFAULT nextval('prediction_request_ids'),
  n             integer NOT NULL CHECK (n > 0),
  created_at    timestamptz NOT NULL,
  -- Ids the server made: one random base per request, the instance's index in its last four hex digits (NULL when the
  -- client sent its own, kept in request_ids).
  request_base  uuid,
  request_ids   text[],
  -- The request's instance index of each instance here (NULL: 0 .. n-1); a split request is two rows, one per variant.
  idx           integer[],
  model_name    text NOT NULL,
  model_version integer NOT NULL,
  variant       text NOT NULL,
  unit_ids      text[],
  -- n × (the layout's numeric features), n × categorical, n × classes: row-major.
  num           float8[],
  cat           text[],
  -- A JSON array of n objects (or nulls): fields besides the layout's; NULL when no instance had any.
  extra         jsonb,
  label         text[],
  prob          real[],
  value         float8[],
  latency_ms    real NOT NULL,
  -- Instances erased (`mlcycle erase`): their indices here; the view leaves them out.
  erased        integer[],
  CHECK (request_base IS NOT NULL OR request_ids IS NOT NULL)
) PARTITION BY RANGE (created_at);
-- Features arrive as binary floats: compressing them costs more CPU than the disk it saves.
ALTER TABLE prediction_requests ALTER COLUMN num SET STORAGE EXTERNAL, ALTER COLUMN prob SET STORAGE EXTERNAL,
  ALTER COLUMN value SET STORAGE EXTERNAL;
CREATE INDEX prediction_requests_model_id ON prediction_requests (model_name, first_id);
CREATE INDEX prediction_requests_base ON prediction_requests (request_base) WHERE request_base IS NOT NULL;
CREATE INDEX prediction_requests_ids ON prediction_requests USING gin (request_ids) WHERE request_ids IS NOT NULL;
CREATE INDEX prediction_requests_units ON prediction_requests USING gin (unit_ids) WHERE unit_ids IS NOT NULL;
CREATE INDEX prediction_requests_time_brin ON prediction_requests USING brin (created_at);

-- A generated instance id's request base (its last four hex digits zeroed); NULL for an id of another shape.
CREATE FUNCTION mlcycle_request_base(id text) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN (left(id, 32) || '0000')::uuid END
$$;
CREATE FUNCTION mlcycle_request_bases(ids text[]) RETURNS uuid[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT DISTINCT mlcycle_request_base(i) FROM unnest(ids) i WHERE mlcycle_request_base(i) IS NOT NULL)
$$;

-- The old per-instance table's partitions step aside (their names go to the new table's partitions).
DO $$
DECLARE p text;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'predictions'::regclass LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', p, 'old_' || p);
  END LOOP;
END $$;
ALTER TABLE predictions RENAME TO predictions_v1;

CREATE OR REPLACE FUNCTION mlcycle_prediction_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := 'predictions_' || to_char(day, 'YYYYMMDD');
BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF prediction_requests FOR VALUES FROM (%L) TO (%L)',
                 part, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN part;
END $$;

-- Rows logged before keep their ids (one instance each, their request id as sent); new ids come after them.
DO $$
DECLARE d date;
BEGIN
  FOR d IN SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM predictions_v1 LOOP
    PERFORM mlcycle_prediction_partition(d);
  END LOOP;
  PERFORM mlcycle_prediction_partition((now() AT TIME ZONE 'UTC')::date);
END $$;
INSERT INTO prediction_requests (first_id, n, created_at, request_ids, model_name, model_version, variant, unit_ids, num, cat, extra, label, prob, value, latency_ms)
SELECT id, 1, created_at, ARRAY[request_id], model_name, model_version, variant, CASE WHEN unit_id IS NOT NULL THEN ARRAY[unit_id] END,
       num, cat, CASE WHEN extra IS NOT NULL THEN jsonb_build_array(extra) END, ARRAY[label], prob, ARRAY[value], latency_ms
  FROM predictions_v1;
SELECT setval('prediction_request_ids', GREATEST((SELECT MAX(id) FROM predictions_v1), 0) + 16384);
DROP TABLE predictions_v1;
DROP SEQUENCE IF EXISTS predictions_id_seq;

-- One row per logged instance, with the old table's columns; `first_id`, `last_id`, `request_base`, `request_ids` and
-- `unit_ids` are the request row's, for predicates that find rows by index (lib/store/predictionQueries.ts writes them).
CREATE VIEW predictions AS
SELECT r.first_id + k - 1 AS id,
       r.created_at,
       COALESCE(r.request_ids[k], left(r.request_base::text, 32) || lpad(to_hex(COALESCE(r.idx[k], k - 1)), 4, '0')) AS request_id,
       r.model_name, r.model_version, r.variant,
       r.num[(k - 1) * (cardinality(r.num) / r.n) + 1 : k * (cardinality(r.num) / r.n)] AS num,
       r.cat[(k - 1) * (cardinality(r.cat) / r.n) + 1 : k * (cardinality(r.cat) / r.n)] AS cat,
       CASE WHEN jsonb_typeof(r.extra -> (k - 1)) = 'object' THEN r.extra -> (k - 1) END AS extra,
       r.label[k] AS label,
       r.prob[(k - 1) * (cardinality(r.prob) / r.n) + 1 : k * (cardinality(r.prob) / r.n)] AS prob,
       r.value[k] AS value,
       r.latency_ms,
       r.unit_ids[k] AS unit_id,
       r.tableoid,
       r.first_id, r.first_id + r.n - 1 AS last_id, r.request_base, r.request_ids, r.unit_ids
  FROM prediction_requests r CROSS JOIN LATERAL generate_series(1, r.n) AS k
 WHERE r.erased IS NULL OR NOT (k - 1 = ANY(r.erased));

-- Erases instances (0-based indices `ks`) of the request row `fid`: every value they logged is cleared and they leave the
-- view; a row with every instance erased is deleted. Returns how many instances were newly erased.
CREATE FUNCTION mlcycle_erase_instances(fid bigint, ks integer[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r prediction_requests;
  gone integer[];
  k integer;
  f integer; c integer; p integer;
  fresh integer;
BEGIN
  SELECT * INTO r FROM prediction_requests WHERE first_id = fid FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  gone := ARRAY(SELECT DISTINCT x FROM unnest(COALESCE(r.erased, '{}') || ks) AS x WHERE x >= 0 AND x < r.n ORDER BY x);
  fresh := cardinality(gone) - COALESCE(cardinality(r.erased), 0);
  IF cardinality(gone) >= r.n THEN
    DELETE FROM prediction_requests WHERE first_id = fid;
    RETURN fresh;
  END IF;
  f := COALESCE(cardinality(r.num), 0) / r.n;
  c := COALESCE(cardinality(r.cat), 0) / r.n;
  p := COALESCE(cardinality(r.prob), 0) / r.n;
  FOREACH k IN ARRAY gone LOOP
    FOR j IN 1..f LOOP r.num[k * f + j] := NULL; END LOOP;
    FOR j IN 1..c LOOP r.cat[k * c + j] := NULL; END LOOP;
    FOR j IN 1..p LOOP r.prob[k * p + j] := NULL; END LOOP;
    IF r.unit_ids IS NOT NULL THEN r.unit_ids[k + 1] := NULL; END IF;
    IF r.request_ids IS NOT NULL THEN r.request_ids[k + 1] := NULL; END IF;
    IF r.label IS NOT NULL THEN r.label[k + 1] := NULL; END IF;
    IF r.value IS NOT NULL THEN r.value[k + 1] := NULL; END IF;
    IF r.extra IS NOT NULL THEN r.extra := jsonb_set(r.extra, ARRAY[k::text], 'null'::jsonb); END IF;
  END LOOP;
  UPDATE prediction_requests SET num = r.num, cat = r.cat, prob = r.prob, unit_ids = r.unit_ids, request_ids = r.request_ids,
         label = r.label, value = r.value, extra = r.extra, erased = gone
   WHERE first_id = fid;
  RETURN fresh;
END $$;
