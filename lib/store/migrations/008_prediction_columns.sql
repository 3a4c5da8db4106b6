-- The prediction log in typed columns, partitioned by UTC day: features as float8[]/text[] in the layout's order, outputs
-- as label + real[] probabilities or a float8 value. Written with COPY in batches; a batch id makes a retried write a no-op.

-- The order of a logged version's features and classes (written once per version by the first replica that logs it).
CREATE TABLE prediction_layouts (
  model_name    text NOT NULL,
  model_version integer NOT NULL,
  numeric       text[] NOT NULL,
  categorical   text[] NOT NULL,
  classes       text[] NOT NULL,
  PRIMARY KEY (model_name, model_version)
);

-- Batches written, by the id the replica gave them: a batch whose write was retried after an unclear failure is skipped.
CREATE TABLE prediction_batches (
  batch_id   uuid PRIMARY KEY,
  rows       integer NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prediction_batches_written ON prediction_batches (written_at);

ALTER TABLE predictions RENAME TO predictions_jsonb;
ALTER SEQUENCE predictions_id_seq RENAME TO predictions_jsonb_id_seq;
ALTER INDEX predictions_model_id RENAME TO predictions_jsonb_model_id;
ALTER INDEX predictions_request RENAME TO predictions_jsonb_request;
ALTER INDEX predictions_model_time RENAME TO predictions_jsonb_model_time;

CREATE SEQUENCE predictions_id_seq;
CREATE TABLE predictions (
  id            bigint NOT NULL DEFAULT nextval('predictions_id_seq'),
  created_at    timestamptz NOT NULL,
  request_id    text NOT NULL,
  model_name    text NOT NULL,
  model_version integer NOT NULL,
  variant       text NOT NULL,
  num           float8[],
  cat           text[],
  -- Fields the client sent besides the layout's features (NULL when none).
  extra         jsonb,
  label         text,
  prob          real[],
  value         float8,
  latency_ms    real NOT NULL
) PARTITION BY RANGE (created_at);
-- Feedback joins on the request id; monitor windows by model and id; rollout checks read recent rows by time, which
-- lie in recent blocks: a block-range index finds them for a fraction of a btree's upkeep on every write.
CREATE INDEX predictions_model_id ON predictions (model_name, id);
CREATE INDEX predictions_request ON predictions (request_id);
CREATE INDEX predictions_time_brin ON predictions USING brin (created_at);

-- One partition per UTC day, made on demand (IF NOT EXISTS: replicas may race).
CREATE FUNCTION mlcycle_prediction_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := 'predictions_' || to_char(day, 'YYYYMMDD');
BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF predictions FOR VALUES FROM (%L) TO (%L)',
                 part, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN part;
END $$;

-- A logged answer's input as one JSON object again: the layout's features, then any extra fields.
CREATE FUNCTION mlcycle_prediction_input(names_num text[], num float8[], names_cat text[], cat text[], extra jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE((SELECT jsonb_object_agg(n, CASE WHEN v = 'NaN'::float8 THEN NULL ELSE to_jsonb(v) END)
                     FROM unnest(names_num, num) AS u(n, v) WHERE n IS NOT NULL), '{}'::jsonb)
      || COALESCE((SELECT jsonb_object_agg(n, to_jsonb(v)) FROM unnest(names_cat, cat) AS u(n, v) WHERE n IS NOT NULL), '{}'::jsonb)
      || COALESCE(extra, '{}'::jsonb)
$$;

-- Rows logged before this migration keep everything: their input as `extra`, their output in the typed columns.
DO $$
DECLARE d date;
BEGIN
  FOR d IN SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM predictions_jsonb LOOP
    PERFORM mlcycle_prediction_partition(d);
  END LOOP;
  PERFORM mlcycle_prediction_partition((now() AT TIME ZONE 'UTC')::date);
END $$;

INSERT INTO prediction_layouts (model_name, model_version, numeric, categorical, classes)
SELECT DISTINCT p.model_name, p.model_version, '{}'::text[], '{}'::text[],
       COALESCE(ARRAY(SELECT jsonb_array_elements_text(v.card->'signature'->'classes')), '{}'::text[])
  FROM predictions_jsonb p LEFT JOIN model_versions v ON v.name = p.model_name AND v.version = p.model_version;

INSERT INTO predictions (id, created_at, request_id, model_name, model_version, variant, extra, label, prob, value, latency_ms)
SELECT p.id, p.created_at, p.request_id, p.model_name, p.model_version, p.variant, p.input, p.output->>'label',
       CASE WHEN p.output ? 'probabilities'
            THEN ARRAY(SELECT (p.output->'probabilities'->>c)::real FROM unnest(l.classes) WITH ORDINALITY AS k(c, i) ORDER BY i) END,
       CASE WHEN jsonb_typeof(p.output->'value') = 'number' THEN (p.output->>'value')::float8 END,
       p.latency_ms
  FROM predictions_jsonb p JOIN prediction_layouts l ON l.model_name = p.model_name AND l.model_version = p.model_version;
SELECT setval('predictions_id_seq', GREATEST((SELECT MAX(id) FROM predictions_jsonb), 1));
DROP TABLE predictions_jsonb;
