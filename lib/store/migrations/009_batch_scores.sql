-- Batch scoring: one row per job (its workflow id), one per scored chunk (kept once: a chunk recorded done is never
-- scored again), and one per chunk execution (started, then scored or reused), so a test can count real scorings.
CREATE TABLE batch_score_jobs (
  job_id         text PRIMARY KEY,
  model_name     text NOT NULL,
  model_version  integer NOT NULL,
  source         text NOT NULL,
  data_ref       text NOT NULL,             -- the data as planned (Parquet fingerprint or snapshot URI): a re-run must match
  output         text NOT NULL,
  rows           bigint NOT NULL,
  chunks         integer NOT NULL,
  output_sha256  text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);

CREATE TABLE batch_score_chunks (
  job_id      text NOT NULL REFERENCES batch_score_jobs(job_id),
  chunk       integer NOT NULL,
  rows        integer NOT NULL,
  uri         text NOT NULL,
  sha256      text NOT NULL,
  scored_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, chunk)
);

CREATE TABLE batch_score_executions (
  id          bigserial PRIMARY KEY,
  job_id      text NOT NULL REFERENCES batch_score_jobs(job_id),
  chunk       integer NOT NULL,
  attempt     integer NOT NULL,
  outcome     text NOT NULL DEFAULT 'started' CHECK (outcome IN ('started', 'scored', 'reused')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX batch_score_executions_job ON batch_score_executions (job_id, chunk);
