-- The repair round's decisions: one row per failed run (so overlapping rounds decide a run once), with the outcome.
CREATE TABLE repairs (
  id bigserial PRIMARY KEY,
  workflow_id text NOT NULL,
  -- The Temporal run that failed; unique: a run is restarted, refused or parked once.
  failed_run_id text NOT NULL UNIQUE,
  pipeline text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('restarted', 'not_repairable', 'parked')),
  -- For restarts: the how-manieth restart of this workflow id (1-based); else the restarts so far.
  attempt integer NOT NULL,
  from_step text,
  failure_type text,
  reason text NOT NULL,
  new_run_id text,
  -- A restart's outcome once its run has closed (Completed, Failed, TimedOut, ...); a park's alert delivery.
  outcome text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repairs_workflow ON repairs (workflow_id, id);
