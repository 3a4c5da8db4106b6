// POST /v1/models/:name/log: edge bundles' predictions, logged once per batch id through the prediction log's own record and writer.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../lib/store/db.js';
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import type { PredictionRecord } from '../lib/store/predictionRows.js';
import type { BatchWriter } from './predictionLog.js';
import { badInput } from './errors.js';
import { checkInstance } from './feeds.js';
import { recordOf } from './logRecord.js';
import type { ModelRegistry, ServedModel, ServedVersion } from './modelRegistry.js';
import { describeIssues, EdgeLogBody, MAX_INSTANCES } from './schemas.js';
import type { WindowAggregates } from './aggregates.js';

export interface EdgeLogDeps {
  db: Db;
  registry: ModelRegistry;
  aggregates: WindowAggregates;
  /** writePredictionBatch: true when written, false when the batch id was written before. */
  write: (batch: Parameters<BatchWriter>[0]) => Promise<boolean>;
}

type EdgeRecord = EdgeLogBody['records'][number];

/** The log's batch id for a client's: namespaced by model, so a client cannot collide with the server's own batches or another model's. */
function logBatchId(model: string, clientBatchId: string): string {
  const h = createHash('sha256').update(`edge-log\u0000${model}\u0000${clientBatchId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The version a bundle runs, as this deployment serves it: champion or challenger (an edge answer is logged under its role). */
function servedAs(model: ServedModel, version: number): { served: ServedVersion; variant: 'champion' | 'challenger' } {
  if (model.champion.version === version) return { served: model.champion, variant: 'champion' };
  if (model.challenger?.version === version) return { served: model.challenger, variant: 'challenger' };
  const challenger = model.challenger ? `, challenger v${model.challenger.version}` : '';
  throw badInput(`version ${version} of ${model.name} is not served (champion v${model.champion.version}${challenger}): its answers cannot join the monitoring of what is served; export a served version`, 409);
}

/** The answers a record carries as scoring's flat output, checked against the version (count, classes, finite values). */
function outputOf(r: EdgeRecord, i: number, served: ServedVersion): BatchOutput {
  const n = r.instances.length;
  const at = `records[${i}]`;
  if (served.scoring.task === 'regression') {
    if (!r.values || r.values.length !== n) throw badInput(`${at}.values must hold one number per instance (${n}) for a regression model`);
    return { task: 'regression', values: Float32Array.from(r.values, (v) => v ?? NaN) };
  }
  const classes = served.card.signature.classes;
  if (!r.labels || r.labels.length !== n) throw badInput(`${at}.labels must hold one label per instance (${n}) for a classifier`);
  if (!r.probabilities || r.probabilities.length !== n * classes.length) {
    throw badInput(`${at}.probabilities must hold ${classes.length} per instance (${n * classes.length}), in the order ${classes.join(', ')}`);
  }
  const unknown = r.labels.findIndex((l) => !classes.includes(l));
  if (unknown >= 0) throw badInput(`${at}.labels[${unknown}] "${r.labels[unknown]}" is not one of the model's classes (${classes.join(', ')})`);
  return { task: 'classification', labels: r.labels, probabilities: Float32Array.from(r.probabilities, (p) => p ?? NaN), classes: classes.length };
}

export function registerEdgeLog(app: FastifyInstance, deps: EdgeLogDeps, bodyLimit: number): void {
  app.post<{ Params: { name: string } }>('/v1/models/:name/log', { bodyLimit }, async (request) => {
    const model = deps.registry.get(request.params.name);
    if (!model) throw badInput(`model "${request.params.name}" is not served (GET /v1/models lists the served ones)`, 404);
    const parsed = EdgeLogBody.safeParse(request.body);
    if (!parsed.success) throw badInput(describeIssues(parsed.error));
    const body = parsed.data;
    const { served, variant } = servedAs(model, body.version);
    const total = body.records.reduce((n, r) => n + r.instances.length, 0);
    if (total > MAX_INSTANCES) throw badInput(`records hold ${total} instances; at most ${MAX_INSTANCES} per batch`);
    const made: { record: PredictionRecord; out: BatchOutput; instances: Record<string, unknown>[] }[] = [];
    body.records.forEach((r, i) => {
      for (let k = 0; k < r.instances.length; k++) {
        const problem = checkInstance(r.instances[k], k, served.card.signature.inputs);
        if (problem) throw badInput(`records[${i}].${problem}`);
      }
      const instances = served.pii ? r.instances.map(served.pii.transform) : r.instances;
      const out = outputOf(r, i, served);
      const record = recordOf(model, served, variant, instances, out, null, { base: r.requestBase }, null, r.latencyMs);
      made.push({ record: { ...record, at: r.at }, out, instances });
    });
    const fresh = await deps.write({ batchId: logBatchId(model.name, body.batchId), records: made.map((m) => m.record) });
    // Drift counts the batch once, as the log does.
    if (fresh) for (const m of made) deps.aggregates.add(model.name, served.version, variant, m.instances, m.out, m.record);
    return { logged: fresh ? total : 0, duplicate: !fresh, variant, version: served.version };
  });
}
