// Bench: the engine's per-step overhead and scale on the dev stack — chains, fans and random DAGs of no-op user steps vs a bare Temporal peer.
// Run: npm run bench:engine -- [--sizes 10,200,1000] [--shapes chain,fan,random] [--plan-steps 5000] [--timeout-s S] [--no-peer] [--peer-max 1000] [--local] [--parallel 2000] [--cluster]
//        [--server-config KEY=JSON …]  (repeatable: the bench starts its own in-memory dev server with these dynamic config values,
//        e.g. history.transferProcessorMaxPollRPS=1000: the default 20 puts a task hop on a 50 ms boundary, ENGINE.md)
// Each size: a first run, a memoized rerun (a new workflow id, every step reused), the events of every run of the id;
// the peer (bench/peerWorkflow.ts) runs the same chain / fan as bare activities on its own queue in this process.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPlan, previewRun } from '../triggers/planPreview.js';
import { startTestStack } from '../test/harness.js';
import { startTestCluster } from '../test/cluster/harness.js';
import { startPeer, type Peer } from './enginePeer.js';
import { startBenchServer } from './engineServer.js';
import { listedEvents, runLifecycle, type Outcome } from './engineRuns.js';
import { SHAPES, dag, definition, gaps, quantile, readStarts, writeNoopModule, type Shape } from './engineShapes.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SIZES = (arg('--sizes') ?? '10,200,1000').split(',').map(Number);
const SHAPE_LIST = (arg('--shapes') ?? SHAPES.join(',')).split(',') as Shape[];
const PLAN_STEPS = Number(arg('--plan-steps') ?? 5_000);
/** A run still open after this long is terminated and reported: --timeout-s, else 60 s + 0.4 s per step. */
const timeoutMs = (n: number): number => (arg('--timeout-s') ? Number(arg('--timeout-s')) : 60 + 0.4 * n) * 1000;
/** The peer runs sizes up to this (a 10,000-step peer chain takes ~17 min at 100 ms per activity). */
const PEER_MAX = Number(arg('--peer-max') ?? 1_000);
const WITH_PEER = !args.includes('--no-peer');
const LOCAL = args.includes('--local');
/** The production topology (test/cluster/harness.ts: Temporal on PostgreSQL, TLS, codec, two workers) instead of the dev stack; no peer. */
const CLUSTER = args.includes('--cluster');
const PARALLEL = Number(arg('--parallel') ?? 2000);
const SERVER_CONFIG = args.flatMap((a, i) => (a === '--server-config' && args[i + 1] ? [args[i + 1]] : []));
for (const s of SHAPE_LIST) if (!SHAPES.includes(s)) throw new Error(`unknown shape ${s} (known: ${SHAPES.join(', ')})`);
for (const n of SIZES) if (!Number.isInteger(n) || n < 3) throw new Error(`sizes must be integers ≥ 3, got ${n}`);

interface Row {
  shape: string;
  n: number;
  first: Outcome;
  rerun: Outcome | null;
  gaps: number[];
  /** Steps that logged a start during the memoized rerun (0 when every step was reused). */
  rerunRan: number | null;
  peerOf?: string;
}

const note = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sec = (v: number): string => `${(v / 1000).toFixed(2)} s`;
const msf = (v: number): string => (Number.isNaN(v) ? '—' : `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`);
const int = (v: number): string => v.toLocaleString('en-US');
const said = (o: Outcome): string => (o.kind === 'ok' ? sec(o.runMs) : `${o.kind}: ${o.message}`);

async function lines(path: string): Promise<number> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

const commit = ((): string => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', ':!bench', ':!package.json'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
})();

const load = loadavg()[0];
const started = Date.now();
const server = SERVER_CONFIG.length ? await startBenchServer(SERVER_CONFIG) : null;
const stack = CLUSTER ? await startTestCluster({ replicas: 1 }) : await startTestStack(server ? { env: { temporalAddress: server.address } } : {});
const dir = await mkdtemp(join(tmpdir(), 'mlcycle-bench-engine-'));
let peer: Peer | null = null;
const rows: Row[] = [];
const peerRows: Row[] = [];
let planLine = '';

/** The peer's run of a chain or fan (a random DAG has none). */
async function peerRow(shape: Shape, n: number): Promise<void> {
  if (!peer || shape === 'random' || n > PEER_MAX) return;
  const p = await peer.run(shape, n, timeoutMs(n));
  peerRows.push({ shape: `peer ${shape}`, n, first: p.outcome, rerun: null, gaps: gaps(dag(shape, n), p.starts), rerunRan: null, peerOf: shape });
  note(`peer ${shape} ${n}: ${said(p.outcome)}`);
}
try {
  const module = await writeNoopModule(dir);
  if (WITH_PEER && !CLUSTER) peer = await startPeer(stack.client, stack.info.temporalAddress, stack.info.namespace);
  note(`stack up in ${sec(Date.now() - started)}; shapes ${SHAPE_LIST.join(',')}; sizes ${SIZES.join(',')}`);
  // Warm-up, not measured: the workflow bundles, the step module's first load, the first connections.
  await peer?.run('chain', 3, timeoutMs(3));
  await runLifecycle(stack, definition('bench-warm-up', module, dag('chain', 3), join(dir, 'warm.log')), {}, timeoutMs(3));
  for (const shape of SHAPE_LIST) {
    for (const n of SIZES) {
      const nodes = dag(shape, n);
      const log = join(dir, `${shape}-${n}.log`);
      const def = definition(`bench-${shape}-${n}${LOCAL ? '-local' : ''}`, module, nodes, log, LOCAL, PARALLEL);
      note(`${shape} ${n}: first run`);
      const first = await runLifecycle(stack, def, {}, timeoutMs(n));
      const row: Row = { shape, n, first, rerun: null, gaps: [], rerunRan: null };
      rows.push(row);
      if (first.kind !== 'ok') {
        note(`${shape} ${n}: ${said(first)}`);
      } else {
        row.gaps = gaps(nodes, await readStarts(log));
        const listed = await listedEvents(stack.client, first.workflowId);
        if (listed !== first.events) note(`${shape} ${n}: visibility lists ${listed} events, the histories hold ${first.events}`);
        const before = await lines(log);
        note(`${shape} ${n}: first run ${sec(first.runMs)} (start call ${sec(first.startCallMs)}); memoized rerun`);
        row.rerun = await runLifecycle(stack, def, { rerun: true }, timeoutMs(n));
        row.rerunRan = (await lines(log)) - before;
        note(`${shape} ${n}: rerun ${said(row.rerun)}`);
      }
      await peerRow(shape, n);
    }
  }
  // `mlcycle run --plan`: the function behind it, on a chain never run (every step looked up, none found).
  const planNodes = dag('chain', PLAN_STEPS);
  const planDef = definition(`bench-plan-${PLAN_STEPS}`, module, planNodes, join(dir, 'plan.log'));
  const t0 = performance.now();
  try {
    const text = formatPlan(await previewRun(stack, planDef));
    planLine = `--plan of a ${int(PLAN_STEPS)}-step chain: ${sec(performance.now() - t0)} (${int(text.split('\n').length)} lines, ${int(Math.round(text.length / 1024))} KB)`;
  } catch (err) {
    planLine = `--plan of a ${int(PLAN_STEPS)}-step chain: refused: ${(err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 160)}`;
  }
} finally {
  await peer?.stop().catch((err: unknown) => note(`peer stop: ${String(err)}`));
  await stack.teardown();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
}

/** The peer row measured beside a row of mlcycle's (same shape and size). */
const peerOf = (r: Row): Row | undefined => peerRows.find((p) => p.peerOf === r.shape && p.n === r.n);
/** mlcycle per step as a multiple of the peer's: the median gap in a chain, first run / N in a fan. */
function ratio(r: Row): string {
  const p = peerOf(r);
  if (!p || r.first.kind !== 'ok' || p.first.kind !== 'ok') return '—';
  const x = r.shape === 'chain' ? quantile(r.gaps, 0.5) / quantile(p.gaps, 0.5) : r.first.runMs / p.first.runMs;
  return Number.isFinite(x) ? `${x.toFixed(1)}×` : '—';
}

console.log(`\nengine bench — commit ${commit}; ${new Date(started).toISOString().slice(0, 16)}Z; load average ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}; no-op user steps${LOCAL ? " (local: true)" : ""} on ${CLUSTER ? 'the local cluster (Temporal on PostgreSQL, TLS, codec, 2 workers)' : 'the embedded dev stack'}${SERVER_CONFIG.length ? ` (dev server in memory, ${SERVER_CONFIG.join(', ')})` : ''}\n`);
console.log('| shape | steps | first run | per step (run/N) | memoized rerun | memo per step | history events (first / rerun) | step gap median | p99 | vs peer |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows.flatMap((m) => [m, ...(peerOf(m) ? [peerOf(m) as Row] : [])])) {
  const cells = [r.shape, int(r.n)];
  if (r.first.kind !== 'ok') {
    cells.push(said(r.first), '—', '—', '—', '—', '—', '—', '—');
  } else {
    const rr = r.rerun;
    const rerunCell = !rr ? '—' : rr.kind === 'ok' ? sec(rr.runMs) + (r.rerunRan ? ` (${r.rerunRan} steps ran)` : '') : said(rr);
    const events = `${int(r.first.events)}${r.first.runs > 1 ? ` (${r.first.runs} runs)` : ''}${rr?.kind === 'ok' ? ` / ${int(rr.events)}${rr.runs > 1 ? ` (${rr.runs} runs)` : ''}` : ''}`;
    cells.push(
      sec(r.first.runMs), msf(r.first.runMs / r.n), rerunCell, rr?.kind === 'ok' ? msf(rr.runMs / r.n) : '—', events,
      msf(quantile(r.gaps, 0.5)), msf(quantile(r.gaps, 0.99)), r.peerOf ? 'peer' : ratio(r),
    );
  }
  console.log(`| ${cells.join(' | ')} |`);
}
console.log(`\n${planLine}`);
console.log('step gap: a step\'s start minus the latest start among its needs (in a chain: consecutive steps), from the steps\' own log;');
console.log('vs peer: the median step gap (chain) or first run (fan) as a multiple of the bare Temporal workflow\'s in this run.');
