// Scenario 7: a large table batch-scored in chunks over 2 workers, one SIGKILLed mid-job: every row scored once, the output equal to a clean run's.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parquetWriteFile } from 'hyparquet-writer';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import type { BatchScoreResult } from '../../contracts/batchScore.js';
import { startBatchScore } from '../../triggers/batchScore.js';
import { registerModelBytes, TINY_A, tinyCard } from '../serving/harness.js';
import { eventually } from '../harness.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { chunkLedger, chunkWorkers, notOnce, summarizeOutput } from './batchOutput.js';
import { chaosFor } from './seed.js';
import { reportRow } from './report.js';

const MODEL = 'chaos-batch';
/** Rows of the table (MLCYCLE_CHAOS_BATCH_ROWS to change), scored in chunks of CHUNK_ROWS. */
const ROWS = Number(process.env.MLCYCLE_CHAOS_BATCH_ROWS ?? 500_000);
const CHUNK_ROWS = 10_000;
const CHUNKS = Math.ceil(ROWS / CHUNK_ROWS);
let cluster: TestCluster;
let dir: string;
let data: string;
let version: number;

before(async () => {
  cluster = await startTestCluster({ workers: 2, replicas: 1 });
  const artifacts = openArtifactStore(cluster.env.artifactDir, { ...process.env, ...cluster.info.clientEnv });
  version = (await registerModelBytes({ db: cluster.db, artifacts }, MODEL, await readFile(TINY_A), 'chaos-batch-run', tinyCard)).version;
  // Inside the cluster's data roots (the temporary folder); row groups smaller than a chunk, so chunks read across them.
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-chaos-batch-'));
  data = join(dir, 'events.parquet');
  const colors = ['red', 'green', 'blue', null];
  parquetWriteFile({
    filename: data,
    columnData: [
      { name: 'id', data: Int32Array.from({ length: ROWS }, (_, i) => i), type: 'INT32' },
      { name: 'x1', data: Array.from({ length: ROWS }, (_, i) => (i % 97 === 0 ? null : Math.sin(i) * 8)), type: 'DOUBLE' },
      { name: 'color', data: Array.from({ length: ROWS }, (_, i) => colors[(i * 7) % 4]), type: 'STRING' },
    ],
    rowGroupSize: 7_000,
  });
});
after(async () => {
  await cluster?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function recordedChunks(jobId: string): Promise<number> {
  return (await cluster.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM batch_score_chunks WHERE job_id = $1', [jobId])).rows[0].n;
}

test('a large table scored over 2 workers, one SIGKILLed mid-job: every row once, the output equal to a clean run', { timeout: 900_000 }, async () => {
  const chaos = chaosFor('batch-kill');
  const t0 = Date.now();
  const clean = await startBatchScore(cluster, { ref: MODEL, version, data, out: join(dir, 'clean.parquet'), chunkRows: CHUNK_ROWS });
  const cleanResult = (await clean.handle.result()) as BatchScoreResult;
  const cleanSeconds = (Date.now() - t0) / 1000;
  const cleanOut = await summarizeOutput(cleanResult.output, ROWS);
  const cleanWorkers = await chunkWorkers(cluster.client, clean.workflowId);
  assert.equal(cleanResult.rows, ROWS);
  assert.deepEqual([cleanOut.rows, cleanOut.missing, cleanOut.repeated], [ROWS, 0, 0], 'the clean run scored every row once');
  assert.ok(cleanWorkers.size >= 2, `the clean run's chunks fanned out over ${cleanWorkers.size} worker(s): ${JSON.stringify([...cleanWorkers])}`);

  // The fault: after a seeded number of chunks are recorded, one worker (seeded) is SIGKILLed; restarted after a seeded delay, or not.
  const victim = chaos.int(0, 1);
  const killAfter = chaos.int(4, Math.floor(CHUNKS * 0.7));
  const restartMs = chaos.next() < 0.5 ? chaos.int(1_000, 15_000) : null;
  const job = await startBatchScore(cluster, { ref: MODEL, version, data, out: join(dir, 'chaos.parquet'), chunkRows: CHUNK_ROWS });
  const proc = cluster.processes.find((p) => p.name === `worker-${victim + 1}`);
  assert.ok(proc && proc.child.exitCode === null && proc.child.signalCode === null, `worker ${victim + 1} is running`);
  const victimIdentity = `${proc.child.pid}@`;
  // ... and once the victim has completed a chunk of this job (the history names the worker of each), so it dies holding work.
  const atKill = await eventually(`${killAfter} chunks recorded, one by worker ${victim + 1}`, 600_000, async () => {
    const n = await recordedChunks(job.workflowId);
    if (n < killAfter) return null;
    return [...(await chunkWorkers(cluster.client, job.workflowId)).keys()].some((w) => w.startsWith(victimIdentity)) ? n : null;
  });
  proc.child.kill('SIGKILL');
  const killedAt = Date.now();
  await proc.exited;
  if (restartMs !== null) {
    await sleep(restartMs);
    await cluster.addWorker();
  }
  const result = (await job.handle.result()) as BatchScoreResult;
  const afterKillSeconds = (Date.now() - killedAt) / 1000;
  const out = await summarizeOutput(result.output, ROWS);
  const ledger = await chunkLedger(cluster.db, job.workflowId);
  const workers = await chunkWorkers(cluster.client, job.workflowId);
  const leftovers = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
  const scoredTwice = notOnce(ledger.scored, CHUNKS);

  reportRow({
    scenario: '7. batch scoring over 2 workers, one SIGKILLed mid-job',
    runs: 2, faults: 1, seed: chaos.seed,
    outcome: `${ROWS.toLocaleString('en')} rows in ${CHUNKS} chunks; worker ${victim + 1} killed after ${atKill} chunks, ${restartMs === null ? 'not restarted' : `restarted after ${(restartMs / 1000).toFixed(1)} s`}; ` +
      `${out.rows.toLocaleString('en')} rows out, checksum ${out.checksum === cleanOut.checksum ? 'equal to' : 'differs from'} the clean run's; ` +
      `chunks scored once ${CHUNKS - scoredTwice.length}/${CHUNKS}, ${ledger.interrupted} interrupted in flight`,
    lost: out.missing, duplicated: out.repeated + scoredTwice.filter((s) => !s.endsWith(': 0')).length,
    figures: {
      'clean run s': cleanSeconds.toFixed(1), 'chaos run: s after the kill': afterKillSeconds.toFixed(1),
      'chunks per worker (clean)': [...cleanWorkers.values()].join('/'), 'chunks per worker (chaos)': [...workers.values()].join('/'),
      'output byte-identical': result.sha256 === cleanResult.sha256 ? 'yes' : 'no',
    },
  });
  assert.deepEqual([out.rows, out.missing, out.repeated], [ROWS, 0, 0], 'every row scored once');
  assert.equal(out.checksum, cleanOut.checksum, 'the output holds the clean run\'s rows');
  assert.equal(result.rows, ROWS);
  assert.deepEqual(notOnce(ledger.recorded, CHUNKS), [], 'every chunk recorded once');
  assert.deepEqual(scoredTwice, [], 'every chunk scored (stored) by one execution');
  assert.ok([...workers.keys()].some((w) => w.startsWith(victimIdentity)), `the victim (pid ${victimIdentity}) had scored chunks before the kill: ${JSON.stringify([...workers])}`);
  assert.ok(workers.size >= 2, 'the job fanned out over at least 2 workers');
  assert.deepEqual(leftovers, [], 'no temporary output left behind');
});
