// Batch scoring end to end: a Parquet file scored in chunks equals the serving API's answers; a worker SIGKILLed
// mid-job is replaced and every chunk is scored once; bad requests fail fast, naming the problem, with no output file.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { readSource } from '../../lib/data/sources/index.js';
import type { Table } from '../../lib/data/table.js';
import { feedTensors } from '../../lib/onnx/feeds.js';
import { scoreOnnx } from '../../lib/onnx/runtime.js';
import { setAlias } from '../../lib/store/models.js';
import { PROJECT_ROOT } from '../../stack/stack.js';
import { failureTypeOf, rootMessage } from '../../contracts/failures.js';
import type { BatchScoreResult } from '../../contracts/batchScore.js';
import { BatchScoreRequestError, startBatchScore, type BatchScoreRequest } from '../../triggers/batchScore.js';
import { TINY_INPUTS } from '../serving/harness.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory } from '../histories.js';
import { spawnWorker as spawnWorkerProcess } from '../workerProcess.js';
import { registerBlessed, TINY_A, TINY_B } from './rolloutFixture.js';

let stack: TestStack;
let dir: string;
let data: string;
const ROWS = 2_500;
const children: ChildProcess[] = [];
const colors = ['red', 'green', 'blue', null];
const x1 = Array.from({ length: ROWS }, (_, i) => (i % 97 === 0 ? null : Math.sin(i) * 1.5));
const color = Array.from({ length: ROWS }, (_, i) => colors[(i * 7) % 4]);

/** A worker in its own process (as worker-crash.test.ts starts them), so SIGKILL takes it down mid-chunk. */
const spawnWorker = (env: Record<string, string> = {}): Promise<ChildProcess> => spawnWorkerProcess(stack, children, env);

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

before(async () => {
  stack = await startTestStack({ worker: false });
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-score-'));
  data = join(dir, 'events.parquet');
  parquetWriteFile({
    filename: data,
    columnData: [
      { name: 'id', data: Int32Array.from({ length: ROWS }, (_, i) => i), type: 'INT32' },
      { name: 'x1', data: x1, type: 'DOUBLE' },
      { name: 'color', data: color, type: 'STRING' },
    ],
    rowGroupSize: 1000,
  });
  const v1 = await registerBlessed(stack, 'tiny-batch', await readFile(TINY_A));
  await registerBlessed(stack, 'tiny-batch', await readFile(TINY_B));
  await setAlias(stack.db, { modelName: 'tiny-batch', alias: 'champion', version: v1.version, actor: 'test', reason: 'batch scoring test' });
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.teardown();
});

async function score(r: Omit<BatchScoreRequest, 'ref'> & { ref?: string }): Promise<{ workflowId: string; result: BatchScoreResult }> {
  const job = await startBatchScore(stack, { ref: 'tiny-batch', ...r });
  return { workflowId: job.workflowId, result: (await job.handle.result()) as BatchScoreResult };
}

const col = (t: Table, name: string) => {
  const c = t.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name}`);
  return c.values;
};

test('a Parquet file is scored in chunks by the champion; the output holds the input columns and the serving answers', async () => {
  const worker = await spawnWorker();
  try {
    const t0 = Date.now();
    const { result, workflowId } = await score({ data, chunkRows: 400 });
    console.log(`scored ${result.rows} rows in ${result.chunks} chunks in ${Date.now() - t0} ms`);
    await recordHistory(stack.client, workflowId, undefined, 'batch-score-chunks', {
      about: 'a Parquet file scored in 7 chunks, two at a time, then assembled', outcome: 'completed', activities: ['planBatchScore', 'scoreChunk', 'assembleBatchScore'],
    });
    assert.deepEqual([result.version, result.rows, result.chunks, result.format], [1, ROWS, 7, 'parquet']);
    assert.equal(result.output, join(dir, 'events.scored.parquet'));
    const out = await readSource({ kind: 'file', path: result.output });
    assert.deepEqual(out.columns.map((c) => c.name), ['id', 'x1', 'color', 'predicted_label', 'probability_no', 'probability_yes']);
    assert.deepEqual(Array.from(col(out, 'id') as Float64Array), Array.from({ length: ROWS }, (_, i) => i), 'rows stay in order');
    assert.deepEqual(col(out, 'color'), color);

    // The serving API (the champion) answers the same for the same rows, missing values and all.
    const sample = [0, 1, 2, 3, 97, 399, 400, 401, 1234, ROWS - 1];
    const instances = sample.map((i) => ({ x1: x1[i], color: color[i] }));
    const res = await fetch(`${stack.info.httpUrl}/v1/models/tiny-batch/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
    assert.equal(res.status, 200, await res.clone().text());
    const served = ((await res.json()) as { predictions: { label: string; probabilities: Record<string, number>; version: number }[] }).predictions;
    sample.forEach((row, k) => {
      assert.equal(served[k].version, 1);
      assert.equal((col(out, 'predicted_label') as string[])[row], served[k].label, `row ${row}`);
      assert.equal((col(out, 'probability_yes') as Float64Array)[row], served[k].probabilities.yes, `row ${row}`);
      assert.equal((col(out, 'probability_no') as Float64Array)[row], served[k].probabilities.no, `row ${row}`);
    });

    // A named version, from the same rows as CSV (read once into a snapshot), written as Arrow: onnxruntime's own answers.
    const csv = join(dir, 'events.csv');
    await writeFile(csv, ['id,x1,color', ...x1.map((x, i) => `${i},${x ?? ''},${color[i] ?? ''}`)].join('\n'));
    const arrow = await score({ data: csv, version: 2, out: join(dir, 'v2.arrow'), chunkRows: 1000 });
    assert.deepEqual([arrow.result.version, arrow.result.chunks, arrow.result.format], [2, 3, 'arrow']);
    const scored = await readSource({ kind: 'file', path: join(dir, 'v2.arrow') });
    const direct = await scoreOnnx(await readFile(TINY_B), feedTensors(TINY_INPUTS, x1.map((x, i) => ({ x1: x, color: color[i] }))));
    assert.ok(direct.task === 'classification');
    assert.deepEqual(col(scored, 'predicted_label'), direct.labels);
    assert.deepEqual(Array.from(col(scored, 'probability_yes') as Float64Array), Array.from({ length: ROWS }, (_, i) => direct.probabilities[i * 2 + 1]));
    assert.deepEqual(col(scored, 'color'), color);

    // The same job again attaches to the same id; its chunks come back from Postgres, none is scored again.
    const again = await score({ data, chunkRows: 400 });
    assert.equal(again.result.sha256, result.sha256);
    const executions = await stack.db.query<{ outcome: string; n: number }>(
      'SELECT outcome, COUNT(*)::int AS n FROM batch_score_executions WHERE job_id = $1 GROUP BY outcome ORDER BY outcome', [again.workflowId]);
    assert.deepEqual(executions.rows, [{ outcome: 'reused', n: 7 }, { outcome: 'scored', n: 7 }]);
  } finally {
    await stopWorker(worker, 'SIGTERM');
  }
});

test('chunks spread over every worker polling, not only the one running the workflow task', async () => {
  const workers = await Promise.all([spawnWorker(), spawnWorker()]);
  try {
    const { workflowId, result } = await score({ data, out: join(dir, 'spread.parquet'), chunkRows: 160 });
    assert.equal(result.chunks, 16);
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = new Set((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreChunk').map((e) => String(e.eventId)));
    const identities = new Set((history.events ?? []).filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes?.identity));
    const pids = new Set(workers.map((w) => `${w.pid}@`));
    assert.equal([...identities].filter((id) => [...pids].some((p) => id?.startsWith(p))).length, 2, `16 chunks ran on ${[...identities].join(', ')}`);
  } finally {
    for (const w of workers) await stopWorker(w, 'SIGTERM');
  }
});

test('SIGKILL of the worker mid-job: a new worker finishes it and every chunk is scored exactly once', async () => {
  const slow = await spawnWorker({ MLCYCLE_BATCH_CHUNK_PAUSE_MS: '1500' });
  const job = await startBatchScore(stack, { ref: 'tiny-batch', data, out: join(dir, 'killed.parquet'), chunkRows: 250 });
  // Kill once two chunks are recorded and another is in flight.
  const doneBeforeKill = await eventually('two recorded chunks and one in flight', 60_000, async () => {
    const { rows } = await stack.db.query<{ done: number; running: number }>(
      `SELECT (SELECT COUNT(*)::int FROM batch_score_chunks WHERE job_id = $1) AS done,
              (SELECT COUNT(*)::int FROM batch_score_executions WHERE job_id = $1 AND outcome = 'started') AS running`, [job.workflowId]);
    return rows[0].done >= 2 && rows[0].running >= 1 ? rows[0].done : null;
  });
  await stopWorker(slow, 'SIGKILL');
  assert.ok(doneBeforeKill < 10, `the kill came after ${doneBeforeKill} of 10 chunks`);
  // A promotion mid-run does not change the version the job scores with.
  await setAlias(stack.db, { modelName: 'tiny-batch', alias: 'champion', version: 2, actor: 'test', reason: 'promoted mid-job' });
  const fresh = await spawnWorker();
  try {
    const result = (await job.handle.result()) as BatchScoreResult;
    assert.deepEqual([result.rows, result.chunks], [ROWS, 10]);
    const scored = await stack.db.query<{ chunk: number; n: number }>(
      `SELECT chunk, COUNT(*)::int AS n FROM batch_score_executions WHERE job_id = $1 AND outcome = 'scored' GROUP BY chunk ORDER BY chunk`, [job.workflowId]);
    assert.deepEqual(scored.rows, Array.from({ length: 10 }, (_, chunk) => ({ chunk, n: 1 })), 'each chunk scored once');
    const interrupted = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM batch_score_executions WHERE job_id = $1 AND outcome = 'started'", [job.workflowId]);
    assert.ok(interrupted.rows[0].n >= 1, 'the kill interrupted a chunk in flight');
    assert.equal(result.version, 1);
    const out = await readSource({ kind: 'file', path: join(dir, 'killed.parquet') });
    assert.deepEqual(Array.from(col(out, 'id') as Float64Array), Array.from({ length: ROWS }, (_, i) => i));
    const v1 = await scoreOnnx(await readFile(TINY_A), feedTensors(TINY_INPUTS, x1.map((x, i) => ({ x1: x, color: color[i] }))));
    assert.ok(v1.task === 'classification');
    assert.deepEqual(col(out, 'predicted_label'), v1.labels, 'every chunk scored by v1');
  } finally {
    await setAlias(stack.db, { modelName: 'tiny-batch', alias: 'champion', version: 1, actor: 'test', reason: 'back to v1' });
    await stopWorker(fresh, 'SIGTERM');
  }
});

test('bad requests fail fast, name the problem, and leave no output file', async () => {
  const worker = await spawnWorker();
  try {
    const refused = async (r: Omit<BatchScoreRequest, 'ref'> & { ref?: string }, pattern: RegExp): Promise<void> => {
      const t0 = Date.now();
      await assert.rejects(startBatchScore(stack, { ref: 'tiny-batch', ...r }), (err: unknown) => err instanceof BatchScoreRequestError && pattern.test(err.message));
      assert.ok(Date.now() - t0 < 5_000);
    };
    await refused({ data, version: 7 }, /tiny-batch has no version 7 \(registered: 1, 2\)/);
    await refused({ ref: 'no-such-model', data }, /cannot score with "no-such-model": no registered model and no pipeline/);
    const xlsx = join(dir, 'events.xlsx');
    await writeFile(xlsx, 'not a table');
    await refused({ data: xlsx }, /unknown file extension "\.xlsx"/);
    await refused({ data, out: join(dir, 'out.csv') }, /a parquet file must end in \.parquet or \.pq, not "\.csv"/);
    await refused({ data: join(dir, 'absent.parquet') }, /absent\.parquet: no such file/);

    // A column the model takes is missing: the plan refuses before any chunk is scored.
    const noColor = join(dir, 'no-color.parquet');
    parquetWriteFile({ filename: noColor, columnData: [{ name: 'x1', data: Float64Array.from([1, 2, 3]), type: 'DOUBLE' }] });
    const job = await startBatchScore(stack, { ref: 'tiny-batch', data: noColor, out: join(dir, 'no-color.scored.parquet') });
    const t0 = Date.now();
    const err = await job.handle.result().then(() => null, (e: unknown) => e);
    assert.ok(Date.now() - t0 < 15_000, 'failed without retries');
    assert.equal(failureTypeOf(err), 'DataError');
    assert.match(rootMessage(err), /cannot be scored with tiny-batch@1: missing column "color" that the model takes as input \(the file has: x1 \(numeric\)\)/);
    const chunks = await stack.db.query('SELECT 1 FROM batch_score_executions WHERE job_id = $1', [job.workflowId]);
    assert.equal(chunks.rowCount, 0, 'no chunk was scored');
    assert.equal(existsSync(join(dir, 'no-color.scored.parquet')), false);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp') || f.startsWith('out')), [], 'nothing half-written');
  } finally {
    await stopWorker(worker, 'SIGTERM');
  }
});

/** Runs `mlcycle <args>` against the test stack; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'triggers/cli.ts'), ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: stack.info.temporalAddress, DATABASE_URL: stack.info.databaseUrl, MLCYCLE_STATE_DIR: stack.env.stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('`mlcycle score` shows chunks done and prints the output and its rows; a bad flag is refused', async () => {
  const worker = await spawnWorker();
  try {
    const out = join(dir, 'cli.arrow');
    const run = await cli(['score', 'tiny-batch', data, '--out', out, '--chunk-rows', '500']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /scoring .*events\.parquet with tiny-batch@1 \(score:tiny-batch:/);
    assert.match(run.stdout, /chunks \d+\/5/);
    assert.match(run.stdout, new RegExp(`2500 rows scored in 5 chunks \\([\\d.]+ s\\) → ${out}`));
    assert.equal((await readSource({ kind: 'file', path: out })).rows, ROWS);
    const bad = await cli(['score', 'tiny-batch', data, '--format', 'csv']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--format must be parquet or arrow/);
    const unknown = await cli(['score', 'tiny-batch', data, '--version', '9']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /mlcycle score: tiny-batch has no version 9/);
  } finally {
    await stopWorker(worker, 'SIGTERM');
  }
});
