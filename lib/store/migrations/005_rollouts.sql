-- Rollouts: a challenger mirrored (shadow) or on a split (canary, A/B); shadow answers logged beside the champion's;
-- per-variant request and error counts from the serving replicas; one running rollout per model.

-- split: the challenger answers its share of units; shadow: it scores a mirror of its share, never answers.
ALTER TABLE deployments ADD COLUMN challenger_mode text NOT NULL DEFAULT 'split' CHECK (challenger_mode IN ('split', 'shadow'));

-- A shadow answer shares its request id with the champion's answer to the same request.
ALTER TABLE predictions DROP CONSTRAINT predictions_request_id_key;
CREATE UNIQUE INDEX predictions_request_variant ON predictions (request_id, variant);
CREATE INDEX predictions_request ON predictions (request_id);
-- A rollout's checks read its stage's answers by time.
CREATE INDEX predictions_model_time ON predictions (model_name, created_at);

-- Requests and scoring errors per minute, version and variant, added to by every replica.
CREATE TABLE serving_counters (
  model_name    text NOT NULL,
  model_version integer NOT NULL,
  variant       text NOT NULL,
  minute        timestamptz NOT NULL,
  requests      bigint NOT NULL DEFAULT 0,
  errors        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (model_name, model_version, variant, minute)
);

CREATE TABLE rollouts (
  id                 bigserial PRIMARY KEY,
  workflow_id        text NOT NULL,
  -- The Temporal run: beginning the same run twice (a retried activity) finds its row.
  run_id             text NOT NULL UNIQUE,
  model_name         text NOT NULL,
  champion_version   integer NOT NULL,
  challenger_version integer NOT NULL,
  stage              text NOT NULL,
  status             text NOT NULL CHECK (status IN ('running', 'promoted', 'rolled_back')),
  -- Who decided: 'test', 'guardrail', 'deadline', or a person's name.
  decided_by         text,
  reason             text,
  last_assessment    jsonb,
  started_at         timestamptz NOT NULL DEFAULT now(),
  decided_at         timestamptz
);
CREATE UNIQUE INDEX rollouts_one_running ON rollouts (model_name) WHERE status = 'running';
