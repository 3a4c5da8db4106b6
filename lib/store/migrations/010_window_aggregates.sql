-- Monitoring from aggregates: a champion's reference binned once (its drift profile), what the replicas saw on those bins
-- between two flushes (window aggregates), and every drift value of every judged window, alert or not.

CREATE TABLE drift_profiles (
  model_name    text NOT NULL,
  -- The champion whose training data is the reference.
  model_version integer NOT NULL,
  dataset_id    text NOT NULL,
  profile       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_name, model_version)
);

-- One row per replica, model, answering version, variant and flush: mergeable counts on the profile's bins.
CREATE TABLE window_aggregates (
  id              bigserial PRIMARY KEY,
  model_name      text NOT NULL,
  model_version   integer NOT NULL,
  variant         text NOT NULL,
  -- The champion version whose drift profile the bins come from.
  profile_version integer NOT NULL,
  rows            bigint NOT NULL,
  aggregate       jsonb NOT NULL,
  first_at        timestamptz NOT NULL,
  last_at         timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX window_aggregates_model_id ON window_aggregates (model_name, id);

-- The monitor's cursor over the aggregates: a window merges the rows after the previous window's.
ALTER TABLE monitor_reports ADD COLUMN to_aggregate_id bigint;

CREATE TABLE drift_values (
  monitor_run_id text NOT NULL,
  model_name     text NOT NULL,
  -- The window's last prediction id: the trend's x axis.
  window_to      bigint NOT NULL,
  feature        text NOT NULL,
  method         text NOT NULL,
  value          float8,
  threshold      float8,
  drifted        boolean NOT NULL,
  p_value        float8,
  -- Every test's value for the feature (KS, PSI, chi-square, Jensen-Shannon, Wasserstein).
  tests          jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (monitor_run_id, feature)
);
CREATE INDEX drift_values_model ON drift_values (model_name, window_to);
