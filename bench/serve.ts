// Bench: mlcycle serving (routing, validation, logging, aggregates on) vs the bare Fastify + onnxruntime peer, autocannon, same run.
// Run: npx tsx bench/serve.ts [--rounds 3] [--seconds 10] [--warmup 3] [--only 1x32,1x64,100x16] [--profile DIR]
// Both servers are child processes on this machine; rounds alternate which one goes first. --profile: --cpu-prof on mlcycle.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { readCsvFile } from '../lib/data/csv.js';
import { treeCpuSeconds } from './treeCpu.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SMOKE = args.includes('--smoke');
const ROUNDS = SMOKE ? 1 : Number(arg('--rounds') ?? 3);
const SECONDS = SMOKE ? 1 : Number(arg('--seconds') ?? 10);
const WARMUP = SMOKE ? 0 : Number(arg('--warmup') ?? 3);
const PROFILE = arg('--profile');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PEER = resolve(process.env.MLCYCLE_SERVE_PEER ?? resolve(ROOT, '../shared/peers/bare-serve.mjs'));

interface Scenario { name: string; instances: number; connections: number }
const SCENARIOS: Scenario[] = [
  { name: '1x32', instances: 1, connections: 32 },
  { name: '1x64', instances: 1, connections: 64 },
  { name: '10x16', instances: 10, connections: 16 },
  { name: '100x16', instances: 100, connections: 16 },
  { name: '1000x4', instances: 1000, connections: 4 },
].filter((s) => (SMOKE ? ['1x32', '100x16'] : arg('--only')?.split(',') ?? null)?.includes(s.name) ?? true);

interface Figures { rps: number; rowsPerSec: number; p50: number; p99: number; non2xx: number; errors: number; cpuUsPerRow: number; childCpuUsPerRow: number }

/** Both servers answer the same 100 rows with the same labels (or the bench compares different work). */
async function sameAnswers(mlUrl: string, bareUrl: string, rows: Record<string, unknown>[]): Promise<void> {
  const post = async (url: string): Promise<unknown> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  const ml = ((await post(mlUrl)) as { predictions: { label: string }[] }).predictions.map((p) => p.label);
  const bare = ((await post(bareUrl)) as { predictions: { label: string[] } }).predictions.label;
  const differ = ml.findIndex((l, i) => l !== bare[i]);
  if (ml.length !== rows.length || differ >= 0) throw new Error(`mlcycle and the peer disagree at row ${differ}: ${ml[differ]} vs ${bare[differ]}`);
  console.log(`same answers: ${rows.length} rows, mlcycle's labels equal the peer's`);
}

/** mlcycle without its peer: 100 rows answered (one label each), then a second of load with every request answered 2xx. */
async function mlcycleAlone(url: string, inputs: string[], pid: number): Promise<void> {
  const replay = await readCsvFile(join(ROOT, 'examples/seattle-weather/replay-2014-2015.csv'), 'replay');
  const rows = Array.from({ length: 100 }, (_, i) => Object.fromEntries(inputs.map((name) => [name, (replay.columns.find((c) => c.name === name)!.values as Float64Array)[i]])));
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }) });
  const got = (await res.json()) as { predictions?: { label?: string }[] };
  if (!res.ok || got.predictions?.length !== 100 || got.predictions.some((p) => typeof p.label !== 'string')) throw new Error(`mlcycle answered ${res.status}: ${JSON.stringify(got).slice(0, 300)}`);
  const f = await load(url, pid, JSON.stringify({ instances: rows }), 8, 1, 100);
  if (f.non2xx > 0 || f.errors > 0) throw new Error(`mlcycle under load: ${f.non2xx} non-2xx, ${f.errors} errors`);
  console.log(`mlcycle alone: 100 rows answered; ${Math.round(f.rowsPerSec)} rows/s at 100 per request for 1 s, every request 2xx`);
}

/** Starts a child and resolves with its first stdout line that `ready` accepts. */
function startChild(cmd: string, argv: string[], ready: (line: string) => boolean, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => { if (ready(line)) resolveStart({ child, line }); });
    child.once('exit', (code) => reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code} before it was ready`)));
  });
}

/** The peer stops on SIGTERM; mlcycle's target when its stdin closes (it writes its log out first). */
function stopChild(child: ChildProcess, how: 'stdin' | 'signal'): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    if (how === 'stdin') child.stdin?.end();
    else child.kill('SIGTERM');
  });
}

/** Drives one server; also how much CPU its process tree spent per row scored (steadier than req/s on a shared machine). */
async function load(url: string, pid: number, body: string, connections: number, seconds: number, instances: number): Promise<Figures> {
  const cpu0 = treeCpuSeconds(pid);
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
  const cpu1 = treeCpuSeconds(pid);
  const rps = r.requests.average;
  const perRow = (seconds: number): number => (seconds * 1e6) / (r.requests.total * instances);
  return {
    rps, rowsPerSec: rps * instances, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts,
    cpuUsPerRow: perRow(cpu1.own + cpu1.children - cpu0.own - cpu0.children), childCpuUsPerRow: perRow(cpu1.children - cpu0.children),
  };
}

const range = (xs: number[], digits = 0): string => {
  const f = (x: number): string => (Math.abs(x) >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(digits));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};

const ratioRange = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

async function main(): Promise<void> {
  console.log(`$ npx tsx bench/serve.ts ${args.join(' ')}`.trimEnd());
  console.log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start; autocannon in this process, both servers in children`);
  const state = join(ROOT, '.state');
  mkdirSync(state, { recursive: true });
  const dir = mkdtempSync(join(state, 'bench-serve-'));
  chmodSync(dir, 0o755);
  if (!existsSync(PEER) && !SMOKE) throw new Error(`the serving peer ${PEER} is missing (MLCYCLE_SERVE_PEER names another copy)`);
  const port = 18000 + Math.floor(Math.random() * 2000);
  const nodeArgs = ['--import', 'tsx', ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', resolve(PROFILE)] : []), 'bench/servingTarget.ts', dir, String(port)];
  const ml = await startChild(process.execPath, nodeArgs, (l) => l.startsWith('{'));
  const target = JSON.parse(ml.line) as { url: string; onnx: string; inputs: string[] };
  if (!existsSync(PEER)) {
    // --smoke without the peer (a clone without ../shared): mlcycle's side alone, answers checked, no ratio.
    console.log(`peer: not installed (${PEER} not found)`);
    try {
      await mlcycleAlone(target.url, target.inputs, ml.child.pid!);
    } finally {
      await stopChild(ml.child, 'stdin');
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  // The peer, copied as is next to the project's node_modules so that its imports resolve.
  const peer = join(dir, 'bare-serve.mjs');
  copyFileSync(PEER, peer);
  const bare = await startChild(process.execPath, [peer, target.onnx, String(port + 1)], (l) => l.startsWith('bare-serve on'));
  const bareUrl = `http://127.0.0.1:${port + 1}/predict`;
  console.log(`mlcycle: ${target.url} (prediction log to PostgreSQL, pino file log, routing, checks, counters, metrics)`);
  console.log(`bare:    ${bareUrl} (${PEER}, on the champion's ONNX)`);
  try {
    // Real rows of the demo's replay data, in the model's input order.
    const replay = await readCsvFile(join(ROOT, 'examples/seattle-weather/replay-2014-2015.csv'), 'replay');
    const rows = Array.from({ length: 1000 }, (_, i) =>
      Object.fromEntries(target.inputs.map((name) => [name, (replay.columns.find((c) => c.name === name)!.values as Float64Array)[i % replay.rows]])));
    await sameAnswers(target.url, bareUrl, rows.slice(0, 100));
    const results = new Map<string, { ml: Figures[]; bare: Figures[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of SCENARIOS) {
        const body = JSON.stringify({ instances: rows.slice(0, s.instances) });
        const order: ('ml' | 'bare')[] = round % 2 === 0 ? ['bare', 'ml'] : ['ml', 'bare'];
        const got = results.get(s.name) ?? { ml: [], bare: [] };
        results.set(s.name, got);
        const line: string[] = [];
        for (const who of order) {
          const url = who === 'ml' ? target.url : bareUrl;
          const pid = (who === 'ml' ? ml : bare).child.pid!;
          if (WARMUP > 0) await load(url, pid, body, s.connections, WARMUP, s.instances);
          const f = await load(url, pid, body, s.connections, SECONDS, s.instances);
          got[who].push(f);
          line.push(`${who === 'ml' ? 'mlcycle' : 'bare'} ${Math.round(f.rps)} req/s ${Math.round(f.rowsPerSec)} rows/s p50 ${f.p50} p99 ${f.p99} ms ${f.cpuUsPerRow.toFixed(1)} CPU-µs/row` +
            (f.childCpuUsPerRow > 0.05 ? ` (${f.childCpuUsPerRow.toFixed(1)} in Postgres)` : '') +
            (f.non2xx || f.errors ? ` (${f.non2xx} non-2xx, ${f.errors} errors)` : ''));
        }
        const ratio = got.ml.at(-1)!.rps / got.bare.at(-1)!.rps;
        console.log(`round ${round + 1} ${s.name.padEnd(6)} ${line.join(' | ')} | ratio ${ratio.toFixed(2)}×`);
      }
    }
    console.log(`\nsummary over ${ROUNDS} round(s), ${SECONDS} s each after ${WARMUP} s warm-up (ranges: min–max; ratio per round, mlcycle / bare):`);
    for (const s of SCENARIOS) {
      const { ml: m, bare: b } = results.get(s.name)!;
      const ratios = m.map((f, i) => f.rps / b[i].rps);
      const p99x = m.map((f, i) => f.p99 / b[i].p99);
      const unit = s.instances === 1 ? 'req/s' : 'rows/s';
      const pick = (f: Figures): number => (s.instances === 1 ? f.rps : f.rowsPerSec);
      console.log(`  ${s.instances} instance(s)/${s.connections} conns: bare ${range(b.map(pick))} ${unit} p99 ${range(b.map((f) => f.p99))} ms; ` +
        `mlcycle ${range(m.map(pick))} ${unit} p99 ${range(m.map((f) => f.p99))} ms; ratio ${ratioRange(ratios)}×, p99 ${range(p99x, 1)}× the peer's; ` +
        `CPU per row (server process tree) bare ${range(b.map((f) => f.cpuUsPerRow), 1)} µs, mlcycle ${range(m.map((f) => f.cpuUsPerRow), 1)} µs (Postgres ${range(m.map((f) => f.childCpuUsPerRow), 1)})`);
    }
    console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end (the machine is shared: figures are noisy)`);
  } finally {
    await stopChild(bare.child, 'signal');
    await stopChild(ml.child, 'stdin');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
