// Prometheus metrics of one serving app (prom-client, its own registry): answers, errors, latency, batches, buffers, drift.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../lib/store/db.js';

export interface MetricSources {
  db: Queryable;
  logPending(): number;
  logState(): { spillBytes: number; maxSpillBytes: number | null; replayLagSeconds: number; postgresAway: boolean };
  shadowInFlight(): number;
  shadowSkipped(): number;
  queueDepth(): number;
}

type WindowRow = { model_name: string; version: number; breached: boolean; share: number | null };
type DriftRow = { model_name: string; feature: string; method: string; value: number | null; threshold: number | null; drifted: boolean; psi: number | null; ks_pvalue: number | null };

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly answers: Counter<'model' | 'variant' | 'version'>;
  private readonly errors: Counter<'model' | 'variant' | 'version'>;
  private readonly latency: Histogram<'model'>;
  private readonly batch: Histogram<'model'>;
  private readonly outcomeCount: Counter<'model' | 'result' | 'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.answers = new Counter({ name: 'mlcycle_predictions_total', help: 'Instances scored, by model, variant (champion, challenger, shadow) and version', labelNames: ['model', 'variant', 'version'], registers });
    this.errors = new Counter({ name: 'mlcycle_prediction_errors_total', help: 'Instances whose scoring failed, by model, variant and version', labelNames: ['model', 'variant', 'version'], registers });
    this.latency = new Histogram({
      name: 'mlcycle_predict_latency_seconds', help: 'Predict request latency, arrival to answer', labelNames: ['model'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.batch = new Histogram({ name: 'mlcycle_predict_batch_instances', help: 'Instances per predict request', labelNames: ['model'], registers, buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000] });
    this.outcomeCount = new Counter({
      name: 'mlcycle_outcomes_total', help: 'Outcomes posted for success metrics, by model, result (stored, duplicate, refused) and refusal reason', labelNames: ['model', 'result', 'reason'], registers,
    });
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    gauge('mlcycle_prediction_log_pending', 'Logged predictions buffered, not yet written to PostgreSQL', sources.logPending);
    gauge('mlcycle_prediction_log_spill_bytes', 'Bytes of predictions spilled to the local file while PostgreSQL was away', () => sources.logState().spillBytes);
    gauge('mlcycle_prediction_log_spill_max_bytes', "The spill's bound (past it, new requests get 503; 0: no spill)", () => sources.logState().maxSpillBytes ?? 0);
    gauge('mlcycle_prediction_log_replay_lag_seconds', 'Age of the oldest spilled prediction not yet in PostgreSQL', () => sources.logState().replayLagSeconds);
    gauge('mlcycle_prediction_log_postgres_away', '1 while writes of the prediction log fail', () => (sources.logState().postgresAway ? 1 : 0));
    gauge('mlcycle_scoring_queue_depth', 'Scoring tasks waiting for a thread', sources.queueDepth);
    gauge('mlcycle_shadow_in_flight', 'Shadow copies being scored', sources.shadowInFlight);
    gauge('mlcycle_shadow_skipped', 'Shadow copies not scored because the bound was reached (since start)', sources.shadowSkipped);
    // The last judged window per model and its drift values, read once per scrape (the gauges are collected at once).
    let loading: { at: number; rows: Promise<{ windows: WindowRow[]; drift: DriftRow[] }> } | null = null;
    const lastWindows = (): Promise<{ windows: WindowRow[]; drift: DriftRow[] }> => {
      if (!loading || Date.now() - loading.at > 500) {
        const latest = `SELECT DISTINCT ON (model_name) model_name, model_version, breached, monitor_run_id, report FROM monitor_reports WHERE judged ORDER BY model_name, id DESC`;
        const rows = Promise.all([
          sources.db.query<WindowRow>(`SELECT model_name, model_version AS version, breached, (report->'driftSuite'->'datasetDrift'->>'share')::float8 AS share FROM (${latest}) l`),
          sources.db.query<DriftRow>(
            `SELECT v.model_name, v.feature, v.method, v.value, v.threshold, v.drifted, (v.tests->>'psi')::float8 AS psi, (v.tests->'ks'->>'pValue')::float8 AS ks_pvalue
               FROM drift_values v JOIN (${latest}) l ON l.monitor_run_id = v.monitor_run_id`,
          ),
        ]).then(([w, d]) => ({ windows: w.rows, drift: d.rows }));
        loading = { at: Date.now(), rows };
      }
      return loading.rows;
    };
    const windowGauge = (name: string, help: string, value: (r: WindowRow) => number | null): void => {
      new Gauge({
        name, help, labelNames: ['model', 'version'], registers,
        async collect() {
          this.reset();
          for (const r of (await lastWindows()).windows) {
            const v = value(r);
            if (v !== null && Number.isFinite(v)) this.set({ model: r.model_name, version: String(r.version) }, v);
          }
        },
      });
    };
    // The success metric (rollout.success) per variant in the model's last judged window (activities/monitorSuccess.ts).
    new Gauge({
      name: 'mlcycle_success_value', help: "The success metric per exposure (or per unit) of each variant in the model's last judged monitor window",
      labelNames: ['model', 'metric', 'variant', 'version'], registers,
      async collect() {
        this.reset();
        const res = await sources.db.query<{ model: string; metric: string; variant: string; version: string; value: number | null }>(
          `SELECT l.model_name AS model, l.report->'success'->>'metric' AS metric, v->>'variant' AS variant, v->>'version' AS version, (v->>'value')::float8 AS value
             FROM (SELECT DISTINCT ON (model_name) model_name, report FROM monitor_reports WHERE judged ORDER BY model_name, id DESC) l
             CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(l.report->'success'->'variants') = 'array' THEN l.report->'success'->'variants' ELSE '[]'::jsonb END) v`,
        );
        for (const r of res.rows) if (r.value !== null && Number.isFinite(r.value)) this.set({ model: r.model, metric: r.metric, variant: r.variant, version: r.version }, r.value);
      },
    });
    windowGauge('mlcycle_monitor_breached', "1 when the model's last judged monitor window breached its policy", (r) => (r.breached ? 1 : 0));
    windowGauge('mlcycle_dataset_drift_share', "Share of the features that drifted in the model's last judged window", (r) => r.share);
    const driftGauge = (name: string, help: string, value: (d: DriftRow) => number | null, withMethod = false): void => {
      new Gauge({
        name, help, labelNames: withMethod ? ['model', 'feature', 'method'] : ['model', 'feature'], registers,
        async collect() {
          this.reset();
          for (const d of (await lastWindows()).drift) {
            const v = value(d);
            if (v !== null && Number.isFinite(v)) this.set(withMethod ? { model: d.model_name, feature: d.feature, method: d.method } : { model: d.model_name, feature: d.feature }, v);
          }
        },
      });
    };
    driftGauge('mlcycle_drift_value', "The chosen test's value per feature (and __prediction) in the model's last judged window: a p-value for ks/chisquare, else a distance", (d) => d.value, true);
    driftGauge('mlcycle_drift_threshold', "The chosen test's threshold per feature in the model's last judged window", (d) => d.threshold, true);
    driftGauge('mlcycle_drift_drifted', "1 when the feature drifted in the model's last judged window", (d) => (d.drifted ? 1 : 0));
    driftGauge('mlcycle_drift_psi', "PSI of each feature in the model's last judged monitor window", (d) => d.psi);
    driftGauge('mlcycle_drift_ks_pvalue', "KS p-value of each numeric feature in the model's last judged window", (d) => d.ks_pvalue);
  }

  /** What the serving counters count, as Prometheus counters too. */
  count(model: string, version: number, variant: string, requests: number, errors: number): void {
    const labels = { model, variant, version: String(version) };
    if (requests > errors) this.answers.inc(labels, requests - errors);
    if (errors > 0) this.errors.inc(labels, errors);
  }

  /** Outcomes posted (serving/outcomes.ts): stored, resent (duplicate), or refused with a reason code. */
  outcomes(model: string, result: 'stored' | 'duplicate' | 'refused', reason: string, n: number): void {
    this.outcomeCount.inc({ model, result, reason }, n);
  }

  request(model: string, seconds: number, instances: number): void {
    this.latency.observe({ model }, seconds);
    this.batch.observe({ model }, instances);
  }
}
