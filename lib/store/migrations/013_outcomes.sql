-- Business outcomes posted to serving (POST /v1/models/:name/outcomes): a success metric's values per unit, possibly
-- days after the prediction. An outcome belongs to the variant its unit was exposed to (lib/store/successObservations.ts).
CREATE TABLE outcomes (
  id               bigserial PRIMARY KEY,
  model_name       text NOT NULL,
  metric           text NOT NULL,
  -- The unit as the prediction log routes it: COALESCE(predictions.unit_id, predictions.request_id) (a keyed hash under pii rules).
  unit             text NOT NULL,
  -- Set when the client named the request the outcome follows: it then belongs to that request's variant.
  request_id       text,
  value            double precision NOT NULL CHECK (value NOT IN ('NaN', 'Infinity', '-Infinity')),
  -- When the outcome happened (the client's `at`; else, for a request, its prediction time).
  at               timestamptz NOT NULL,
  -- A resent outcome counts once: `id:<outcomeId>`, else `request:<metric>:<requestId>`, else `unit:<metric>:<unit>:<at>`.
  idempotency_key  text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model_name, idempotency_key)
);
CREATE INDEX outcomes_model_metric_at ON outcomes (model_name, metric, at);
CREATE INDEX outcomes_unit ON outcomes (unit);
