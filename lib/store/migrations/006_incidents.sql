-- Breach incidents (one retraining run per incident), the retraining decision of every monitor run, windows not judged,
-- and the label watermark of each window (quality windows are defined on label time).

CREATE TABLE incidents (
  id                   bigserial PRIMARY KEY,
  model_name           text NOT NULL,
  -- The champion when it opened: a new champion closes it.
  champion_version     integer NOT NULL,
  status               text NOT NULL CHECK (status IN ('open', 'closed')),
  opened_by            text NOT NULL,            -- the monitor run whose window breached
  opened_at            timestamptz NOT NULL DEFAULT now(),
  reasons              jsonb NOT NULL,           -- the opening window's breach reasons
  breached_windows     integer NOT NULL DEFAULT 1,
  -- The one retraining run of this incident (null until one is started).
  retrain_workflow_id  text,
  retrain_started_at   timestamptz,
  -- The last decision not to retrain, with its named reason (cooldown, too_few_new_labels, ...).
  last_decision        text,
  last_decision_detail text,
  closed_at            timestamptz,
  closed_by            text,
  close_reason         text CHECK (close_reason IN ('within_policy', 'champion_changed'))
);
CREATE UNIQUE INDEX incidents_one_open ON incidents (model_name) WHERE status = 'open';

-- One decision per monitor run: a retried or rerun monitor run reads the decision it made.
CREATE TABLE retrain_decisions (
  monitor_run_id   text PRIMARY KEY,
  model_name       text NOT NULL,
  incident_id      bigint REFERENCES incidents(id),
  decision         text NOT NULL CHECK (decision IN ('retrain', 'skip', 'none')),
  reason           text NOT NULL,                -- a named reason: breach, within_policy, incident_open, cooldown, ...
  detail           text NOT NULL,
  workflow_id      text,
  data_version     text,
  source           jsonb,                        -- the feedback DataSource the run trains on
  labels_up_to     timestamptz,                  -- newest label included in that data
  new_labels       integer,
  closed           jsonb NOT NULL DEFAULT '[]',  -- incidents this window closed: [{id, reason}]
  decided_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retrain_decisions_model ON retrain_decisions (model_name, decided_at) WHERE decision = 'retrain';

-- A window that could not be judged is stored (judged = false, with its reason) so the cursor moves on.
ALTER TABLE monitor_reports ADD COLUMN judged boolean NOT NULL DEFAULT true;
ALTER TABLE monitor_reports ADD COLUMN not_judged_reason text;
-- Quality windows are on label time: labels with created_at in (previous labels_to, labels_to] belong to this window.
ALTER TABLE monitor_reports ADD COLUMN labels_to timestamptz;
CREATE INDEX feedback_created ON feedback (created_at);
