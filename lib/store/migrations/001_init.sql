-- The registry and the facts: datasets, schemas, runs, models, deployments, predictions, feedback, monitoring.

CREATE TABLE datasets (
  id          text PRIMARY KEY,            -- sha256 of the snapshot bytes
  pipeline    text NOT NULL,
  source      text NOT NULL,
  uri         text NOT NULL,
  rows        integer NOT NULL,
  columns     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_schemas (
  pipeline    text NOT NULL,
  version     integer NOT NULL,
  schema      jsonb NOT NULL,
  dataset_id  text NOT NULL REFERENCES datasets(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, version)
);

CREATE TABLE validation_reports (
  run_id         text PRIMARY KEY,
  pipeline       text NOT NULL,
  dataset_id     text NOT NULL REFERENCES datasets(id),
  schema_version integer NOT NULL,
  ok             boolean NOT NULL,
  report         jsonb NOT NULL,
  uri            text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trials (
  run_id      text NOT NULL,
  trial_id    text NOT NULL,
  params      jsonb NOT NULL,
  metrics     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, trial_id)
);

CREATE TABLE model_versions (
  name        text NOT NULL,
  version     integer NOT NULL,
  run_id      text NOT NULL UNIQUE,       -- one version per lifecycle run: retries never duplicate
  uri         text NOT NULL,
  sha256      text NOT NULL,
  dataset_id  text NOT NULL REFERENCES datasets(id),
  metrics     jsonb NOT NULL,
  card        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);

CREATE TABLE deployments (
  model_name         text PRIMARY KEY,
  champion_version   integer NOT NULL,
  challenger_version integer,
  challenger_weight  real NOT NULL DEFAULT 0 CHECK (challenger_weight >= 0 AND challenger_weight <= 1),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  subject   text NOT NULL,
  details   jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE predictions (
  id             bigserial PRIMARY KEY,
  request_id     text NOT NULL UNIQUE,
  model_name     text NOT NULL,
  model_version  integer NOT NULL,
  variant        text NOT NULL,
  input          jsonb NOT NULL,
  output         jsonb NOT NULL,
  latency_ms     real NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX predictions_model_id ON predictions (model_name, id);

CREATE TABLE feedback (
  request_id  text PRIMARY KEY,
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE monitor_reports (
  id                  bigserial PRIMARY KEY,
  monitor_run_id      text NOT NULL UNIQUE,
  model_name          text NOT NULL,
  model_version       integer NOT NULL,
  from_prediction_id  bigint NOT NULL,
  to_prediction_id    bigint NOT NULL,
  rows                integer NOT NULL,
  breached            boolean NOT NULL,
  report              jsonb NOT NULL,
  uri                 text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitor_reports_model ON monitor_reports (model_name, id);
