// Monitoring from aggregates on a real stack: replicas count answers on the champion's profile; a large window is judged from them, as exact.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { MONITOR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { MonitorResult, PipelineRef } from '../../contracts/types.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { pipelineSchema, type PipelineDefinition } from '../../lib/config/pipeline.js';
import { parseCsv } from '../../lib/data/csv.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { driftExact, type DriftSuiteResult } from '../../lib/stats/driftSuite.js';
import { driftPolicyOf } from '../../lib/config/drift.js';
import { getDataset } from '../../lib/store/datasets.js';
import { getModelVersion } from '../../lib/store/models.js';
import { loggedRequests } from '../../lib/store/predictions.js';
import { loadSnapshot } from '../../activities/deps.js';
import { completeResult, resolveMlPipeline, startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

const NAME = 'aggregated';
const EXAMPLE = join(PROJECT_ROOT, 'examples/seattle-weather');
let stack: TestStack;
let definition: PipelineDefinition;
let ref: PipelineRef;
let later: Record<string, unknown>[];

before(async () => {
  stack = await startTestStack();
  const example = await resolveMlPipeline('seattle-weather');
  // Windows above 200 answers are judged from the replicas' aggregates.
  definition = pipelineSchema.parse({
    ...example, name: NAME, search: { ...example.search, folds: 3, space: { logreg: { l2: [0.01] } } }, schedules: {},
    retrain: { ...example.retrain, enabled: false }, monitor: { ...example.monitor, minRows: 100, drift: { exactRows: 200 } },
  });
  const csv = await readFile(join(EXAMPLE, 'replay-2014-2015.csv'), 'utf8');
  later = recordsFromTable(parseCsv(csv, 'replay')).map(({ weather: _w, ...features }) => features);
});
after(async () => {
  await stack?.teardown();
});

let sent = 0;
async function score(instances: Record<string, unknown>[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < instances.length; i += 100) {
    const chunk = instances.slice(i, i + 100);
    const requestIds = chunk.map(() => `agg-${sent++}`);
    const res = await fetch(`${stack.info.httpUrl}/v1/models/${NAME}/predict`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: chunk, requestIds }),
    });
    assert.equal(res.status, 200, await res.text());
    ids.push(...requestIds);
  }
  return ids;
}

/** Waits until the log holds `ids` and the replicas' aggregates count `rows` answers in all. */
async function settled(ids: string[], rows: number): Promise<void> {
  let last = '';
  await eventually('answers logged and aggregated', 30_000, async () => {
    const logged = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM predictions WHERE request_id = ANY($1::text[])', [ids]);
    const counted = await stack.db.query<{ n: number }>('SELECT COALESCE(SUM(rows), 0)::int AS n FROM window_aggregates WHERE model_name = $1', [NAME]);
    last = `logged ${logged.rows[0].n} of ${ids.length}, aggregated ${counted.rows[0].n} of ${rows}`;
    return logged.rows[0].n === ids.length && counted.rows[0].n === rows ? true : null;
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
}

let runs = 0;
async function monitor(): Promise<MonitorResult> {
  return (await stack.client.workflow.execute(MONITOR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `monitor:${NAME}-test-${++runs}`, args: [{ pipeline: ref }] })) as MonitorResult;
}

const heatWave = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r, temp_max: Number(r.temp_max) + 8, temp_min: Number(r.temp_min) + 8 }));

test('a small window is judged exactly and makes the profile; a large one is judged from the aggregates, as the exact suite judges it', async () => {
  const run = await startLifecycle(stack, definition, { reason: 'test: champion' });
  ref = run.pipeline;
  assert.equal(completeResult(await run.handle.result()).deployment?.role, 'champion');

  // No profile yet: nothing is aggregated, the first window is judged exactly and makes the profile.
  const first = await score(later.slice(0, 150));
  await settled(first, 0);
  const w1 = await monitor();
  assert.equal(w1.window.evaluated, true);
  const r1 = await stack.artifacts.getJson<{ driftBasis: string }>(w1.window.reportUri ?? '');
  assert.match(r1.driftBasis, /^exactly, on all 150 answers/);
  const profiles = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM drift_profiles WHERE model_name = $1', [NAME]);
  assert.equal(profiles.rows[0].n, 1);

  // The replica reads the new profile (an answer without one asks for it) and counts what it answers from then on.
  const warm: string[] = [];
  const aggregatedRows = async () => (await stack.db.query<{ n: number }>('SELECT COALESCE(SUM(rows), 0)::int AS n FROM window_aggregates WHERE model_name = $1', [NAME])).rows[0].n;
  await eventually('the replica counts on the profile', 30_000, async () => {
    warm.push(...(await score(later.slice(150 + warm.length, 160 + warm.length))));
    await new Promise((r) => setTimeout(r, 700));
    return (await aggregatedRows()) > 0 ? true : null;
  });
  warm.push(...(await score(later.slice(150 + warm.length, 250 + warm.length))));
  await new Promise((r) => setTimeout(r, 1500)); // the test stack's replica writes its aggregates every 0.5 s
  await settled(warm, await aggregatedRows());
  const w2 = await monitor(); // few answers: exact again; both cursors move past them
  assert.equal(w2.window.rows, warm.length);
  assert.ok(warm.length < 200, `${warm.length} answers: judged exactly`);

  const before = await aggregatedRows();
  const hot = await score(heatWave(later.slice(250, 730)));
  await settled(hot, before + hot.length);
  // As when the profile is an hour old: every replica has been counting on it, so the large window is counted by the aggregates, not in the log.
  await stack.db.query("UPDATE drift_profiles SET created_at = created_at - interval '1 hour' WHERE model_name = $1", [NAME]);
  const w3 = await monitor();
  assert.equal(w3.window.rows, 480);
  assert.equal(w3.window.breached, true);
  const r3 = await stack.artifacts.getJson<{ driftBasis: string; driftSuite: DriftSuiteResult }>(w3.window.reportUri ?? '');
  assert.match(r3.driftBasis, /^from the replicas' aggregates: 480 answers/);
  assert.equal(r3.driftSuite.mode, 'aggregate');

  // The same window computed exactly from the logged rows: same verdicts, same values within the bins' error.
  const champion = await getModelVersion(stack.db, NAME, 1);
  const reference = await loadSnapshot(stack.artifacts, (await getDataset(stack.db, champion?.datasetId ?? ''))?.uri ?? '');
  const rows = await loggedRequests(stack.db, NAME, w3.window.fromPredictionId, w3.window.toPredictionId);
  const kinds = Object.fromEntries(reference.columns.map((c) => [c.name, c.kind]));
  const current = tableFromObjects(rows.map((r) => r.input), 'window', { kinds });
  const exact = driftExact(reference, current, definition.features ?? assert.fail('the definition has features'), driftPolicyOf(definition.monitor));
  for (const e of exact.features) {
    const a = r3.driftSuite.features.find((f) => f.feature === e.feature);
    assert.ok(a, e.feature);
    assert.equal(a.method, e.method, e.feature);
    assert.equal(a.drifted, e.drifted, e.feature);
    assert.ok(Math.abs((a.wasserstein ?? 0) - (e.wasserstein ?? 0)) < 0.01, `${e.feature}: Wasserstein ${a.wasserstein} from aggregates vs ${e.wasserstein} exact`);
    assert.ok(Math.abs(a.psi - e.psi) < 1e-9, `${e.feature}: PSI ${a.psi} vs ${e.psi}`);
  }
  assert.deepEqual(r3.driftSuite.datasetDrift.driftedFeatures.sort(), ['temp_max', 'temp_min']);
  // Every window's values are stored, and the report plots their trend.
  const windows = await stack.db.query<{ n: number }>('SELECT COUNT(DISTINCT window_to)::int AS n FROM drift_values WHERE model_name = $1', [NAME]);
  assert.equal(windows.rows[0].n, 3);
  const html = await readFile(w3.window.reportHtml ?? '', 'utf8');
  assert.match(html, /Drift over recent windows/);
  assert.match(html, /3 windows/);
  assert.ok(html.length < 200_000, `the report stays small: ${html.length} bytes`);
});
