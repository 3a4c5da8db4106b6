-- Requests to roll out a version (a lifecycle run's rollout step, `mlcycle rollout start`, the HTTP API), with the
-- stored definition version their policy comes from. One waits (queued) while another rollout of the model runs and
-- starts when it ends; the rollout that began from it is `run_id` (joins rollouts.run_id).
CREATE TABLE rollout_requests (
  id                 bigserial PRIMARY KEY,
  model_name         text NOT NULL,
  version            integer NOT NULL,
  sha256             text NOT NULL,
  definition_name    text NOT NULL,
  definition_version text NOT NULL,
  -- Who asked: a lifecycle run id, `os:<user> (self-declared)` on a local CLI, `token:<subject>` over HTTP.
  requested_by       text NOT NULL,
  reason             text NOT NULL,
  -- queued: waits for the running rollout to end; started: its rollout began (run_id); superseded: a newer request
  -- replaced it (the definition says whenBusy: supersede); dropped: it could no longer be rolled out (note says why).
  status             text NOT NULL CHECK (status IN ('queued', 'started', 'superseded', 'dropped')),
  note               text,
  run_id             text,
  requested_at       timestamptz NOT NULL DEFAULT now(),
  ended_at           timestamptz
);
CREATE UNIQUE INDEX rollout_requests_one_queued ON rollout_requests (model_name, version) WHERE status = 'queued';
CREATE INDEX rollout_requests_model ON rollout_requests (model_name, id);
CREATE INDEX rollout_requests_run ON rollout_requests (run_id) WHERE run_id IS NOT NULL;
