-- Stored pipeline definitions (by content version), memoized step results by cache key, and each run's steps.
CREATE TABLE pipeline_definitions (
  name text NOT NULL,
  version text NOT NULL,
  definition jsonb NOT NULL,
  module_hashes jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);

CREATE TABLE step_results (
  cache_key text PRIMARY KEY,
  pipeline text NOT NULL,
  step_id text NOT NULL,
  uses text NOT NULL,
  outputs jsonb NOT NULL,
  run_id text NOT NULL,
  -- What the result depended on besides its key (e.g. the champion an optimize result was gated against).
  context jsonb NOT NULL DEFAULT '{}',
  duration_ms integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE step_runs (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL,
  -- The Temporal run of that workflow id (a repair is a new run of the same workflow id).
  temporal_run_id text NOT NULL,
  pipeline text NOT NULL,
  pipeline_version text NOT NULL,
  step_id text NOT NULL,
  uses text NOT NULL,
  status text NOT NULL CHECK (status IN ('executed', 'reused', 'failed')),
  cache_key text,
  reused_from text,
  duration_ms integer,
  failure_type text,
  error text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX step_runs_run ON step_runs (run_id, id);
-- A step completes (executed or reused) once per Temporal run: a retried record activity changes nothing.
CREATE UNIQUE INDEX step_runs_once ON step_runs (temporal_run_id, step_id) WHERE status <> 'failed';
