// POST /v1/models/:name/outcomes: business outcomes for a served model's success metrics; refusals named and counted.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../lib/store/db.js';
import { declaredSuccessMetrics, insertOutcomes, type DeclaredMetric, type OutcomeEntry, type OutcomeResult } from '../lib/store/outcomes.js';
import { badInput } from './errors.js';
import type { ModelRegistry } from './modelRegistry.js';
import { OutcomesBody, refusalCode } from './outcomeSchemas.js';
import { modelPii } from './pii.js';
import { describeIssues, formatPath } from './schemas.js';

/** Counts outcomes by model, result (stored, duplicate, refused) and the refusal's reason code. */
export type OutcomeCounter = (model: string, result: 'stored' | 'duplicate' | 'refused', reason: string, n: number) => void;

export interface OutcomeRouteDeps {
  db: Db;
  registry: ModelRegistry;
  /** Writes the buffered prediction log, so that an outcome right after its prediction finds it. */
  flushLog: () => Promise<void>;
  count: OutcomeCounter;
  /** How long declared metrics are cached per model (ms); default 5 s. */
  metricsTtlMs?: number;
  /** How long unknown units and requests are looked for again (another replica's log may be behind); default 2 s. */
  graceMs?: number;
}

/** Inserts, then again for the refused (unknown) entries until they are found or the grace is over. */
async function insertWithGrace(db: Db, model: string, entries: OutcomeEntry[], graceMs: number): Promise<OutcomeResult> {
  const deadline = Date.now() + graceMs;
  let result = await insertOutcomes(db, model, entries);
  const total = { stored: result.stored, duplicates: result.duplicates };
  while (result.refused.length > 0 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    const again = new Set(result.refused.map((r) => r.index));
    result = await insertOutcomes(db, model, entries.filter((e) => again.has(e.index)));
    total.stored += result.stored;
    total.duplicates += result.duplicates;
  }
  return { ...total, refused: result.refused };
}

export function registerOutcomes(app: FastifyInstance, deps: OutcomeRouteDeps): void {
  const cache = new Map<string, { at: number; metrics: Promise<Map<string, DeclaredMetric>> }>();
  const declared = (model: string): Promise<Map<string, DeclaredMetric>> => {
    const hit = cache.get(model);
    if (hit && Date.now() - hit.at < (deps.metricsTtlMs ?? 5000)) return hit.metrics;
    const metrics = declaredSuccessMetrics(deps.db, model);
    cache.set(model, { at: Date.now(), metrics });
    metrics.catch(() => cache.delete(model));
    return metrics;
  };

  app.post<{ Params: { name: string } }>('/v1/models/:name/outcomes', { bodyLimit: 16 * 1024 * 1024 }, async (request) => {
    const name = request.params.name;
    const model = deps.registry.get(name);
    if (!model) throw badInput(`model "${name}" is not served (GET /v1/models lists the served ones)`, 404);
    const refuse = (reason: string, message: string, n: number, status = 400): never => {
      deps.count(name, 'refused', reason, n);
      throw badInput(`${message}; nothing was stored`, status, { refused: n });
    };
    const parsed = OutcomesBody.safeParse(request.body);
    const sent = (request.body as { outcomes?: unknown } | null)?.outcomes;
    const n = Array.isArray(sent) ? sent.length : 1;
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return refuse(refusalCode(first.path, first.message), describeIssues(parsed.error), n);
    }
    const metrics = await declared(name);
    const pii = modelPii(model);
    const entries: OutcomeEntry[] = [];
    for (const [index, o] of parsed.data.outcomes.entries()) {
      const at = `outcomes[${index}]`;
      const metric = metrics.get(o.metric);
      if (!metric) {
        const known = [...metrics.keys()];
        const hint = known.length > 0 ? `its definition declares ${known.map((k) => `"${k}"`).join(', ')}` : 'its definition declares none (rollout.success)';
        return refuse('unknown_metric', `${at}.metric "${o.metric}" is not a success metric of ${name}: ${hint}`, n);
      }
      if (metric.kind === 'value' && o.value === undefined) return refuse('value_missing', `${formatPath(['outcomes', index, 'value'])} is required for the value metric "${o.metric}"`, n);
      const value = o.value ?? 1;
      if (metric.kind === 'event' && value !== 0 && value !== 1) return refuse('event_not_0_or_1', `${at}.value must be 0 or 1 for the event metric "${o.metric}": got ${value}`, n);
      entries.push({
        index, metric: o.metric, value, at: o.at, outcomeId: o.outcomeId, requestId: o.requestId,
        // The unit as the log holds it: a keyed hash under the model's pii rules, as predict logs it.
        unit: o.unitId === undefined ? undefined : pii ? pii.unit(o.unitId) : o.unitId,
      });
    }
    await deps.flushLog();
    const result = await insertWithGrace(deps.db, name, entries, deps.graceMs ?? 2000);
    if (result.stored > 0) deps.count(name, 'stored', '', result.stored);
    if (result.duplicates > 0) deps.count(name, 'duplicate', '', result.duplicates);
    for (const r of result.refused) deps.count(name, 'refused', r.code, 1);
    if (result.stored + result.duplicates === 0) {
      throw badInput(`none of the ${entries.length} outcome(s) matches a logged prediction of ${name}: ${result.refused[0]?.reason ?? ''}`, 404, { refused: result.refused });
    }
    return result;
  });
}
