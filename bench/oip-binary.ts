// Bench: one served model through v1 JSON, OIP v2 JSON and OIP v2 binary tensors (FP32 in, binary out), autocannon, same run.
// Run: npx tsx bench/oip-binary.ts [--rounds 2] [--seconds 8] [--warmup 2] [--sizes 1,100,1000] [--connections 16] [--forms v1,v2-json,v2-binary] [--smoke]
// The server is bench/servingTarget.ts (Postgres, prediction log, aggregates on) in a child; the peer of the binary form is v2 JSON.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { readCsvFile } from '../lib/data/csv.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SMOKE = args.includes('--smoke');
const ROUNDS = SMOKE ? 1 : Number(arg('--rounds') ?? 2);
const SECONDS = SMOKE ? 1 : Number(arg('--seconds') ?? 8);
const WARMUP = SMOKE ? 0 : Number(arg('--warmup') ?? 2);
const SIZES = (SMOKE ? '100' : (arg('--sizes') ?? '1,100,1000')).split(',').map(Number);
const CONNECTIONS = Number(arg('--connections') ?? 16);
type Form = 'v1' | 'v2-json' | 'v2-binary';
const FORMS = (arg('--forms') ?? 'v1,v2-json,v2-binary').split(',') as Form[];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'seattle-weather';

interface Request { url: string; headers: Record<string, string>; body: string | Buffer }

/** The same rows as each form sends them. */
function request(base: string, form: Form, inputs: string[], rows: Record<string, number>[]): Request {
  if (form === 'v1') return { url: `${base}/v1/models/${MODEL}/predict`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }) };
  const url = `${base}/v2/models/${MODEL}/infer`;
  if (form === 'v2-json') {
    const tensors = inputs.map((name) => ({ name, datatype: 'FP32', shape: [rows.length, 1], data: rows.map((r) => r[name]) }));
    return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: tensors }) };
  }
  const columns = inputs.map((name) => Buffer.from(Float32Array.from(rows, (r) => r[name]).buffer));
  const header = Buffer.from(JSON.stringify({
    inputs: inputs.map((name, i) => ({ name, datatype: 'FP32', shape: [rows.length, 1], parameters: { binary_data_size: columns[i].length } })),
    parameters: { binary_data_output: true },
  }));
  return { url, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, body: Buffer.concat([header, ...columns]) };
}

/** Labels and probabilities (row-major) of an answer in any form. */
async function answer(req: Request, form: Form, classes: number): Promise<{ labels: string[]; probabilities: number[] }> {
  const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: typeof req.body === 'string' ? req.body : new Uint8Array(req.body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${form}: HTTP ${res.status}: ${bytes.toString().slice(0, 300)}`);
  if (form === 'v1') {
    const p = (JSON.parse(bytes.toString()) as { predictions: { label: string; probabilities: Record<string, number> }[] }).predictions;
    return { labels: p.map((x) => x.label), probabilities: p.flatMap((x) => Object.values(x.probabilities)) };
  }
  const length = Number(res.headers.get('inference-header-content-length') ?? bytes.length);
  const header = JSON.parse(bytes.subarray(0, length).toString()) as { outputs: { name: string; data?: (string | number)[]; parameters?: { binary_data_size: number } }[] };
  const out: Record<string, (string | number)[]> = {};
  let at = length;
  for (const o of header.outputs) {
    if (!o.parameters?.binary_data_size) { out[o.name] = o.data ?? []; continue; }
    const end = at + o.parameters.binary_data_size;
    const values: (string | number)[] = [];
    if (o.name === 'label') for (let k = at; k < end;) { const n = bytes.readUInt32LE(k); values.push(bytes.toString('utf8', k + 4, k + 4 + n)); k += 4 + n; }
    else for (let k = at; k < end; k += 4) values.push(bytes.readFloatLE(k));
    out[o.name] = values;
    at = end;
  }
  if ((out.probabilities?.length ?? 0) !== (out.label?.length ?? -1) * classes) throw new Error(`${form}: ${out.probabilities?.length} probabilities for ${out.label?.length} labels`);
  return { labels: out.label as string[], probabilities: out.probabilities as number[] };
}

interface Figures { rowsPerSec: number; p99: number; failed: number }
async function load(req: Request, seconds: number, rows: number): Promise<Figures> {
  const r = await autocannon({ url: req.url, method: 'POST', headers: req.headers, body: req.body, connections: CONNECTIONS, duration: seconds });
  return { rowsPerSec: r.requests.average * rows, p99: r.latency.p99, failed: r.non2xx + r.errors + r.timeouts };
}

function startTarget(dir: string, port: number): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servingTarget.ts', dir, String(port)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolveStart, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => { if (line.startsWith('{')) resolveStart({ child, line }); });
    child.once('exit', (code) => reject(new Error(`servingTarget exited with ${code} before it was ready`)));
  });
}

const range = (xs: number[]): string => {
  const f = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
  return Math.min(...xs) === Math.max(...xs) ? f(xs[0]) : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
};
const ratioRange = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

async function main(): Promise<number> {
  console.log(`$ npx tsx bench/oip-binary.ts ${args.join(' ')}`.trimEnd());
  console.log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${CONNECTIONS} connections; peer of v2-binary: v2-json on the same server`);
  const state = join(ROOT, '.state');
  mkdirSync(state, { recursive: true });
  const dir = mkdtempSync(join(state, 'bench-oip-'));
  chmodSync(dir, 0o755);
  const target = await startTarget(dir, 18000 + Math.floor(Math.random() * 2000));
  const { url, inputs } = JSON.parse(target.line) as { url: string; inputs: string[] };
  const base = new URL(url).origin;
  try {
    const replay = await readCsvFile(join(ROOT, 'examples/seattle-weather/replay-2014-2015.csv'), 'replay');
    const column = (name: string) => replay.columns.find((c) => c.name === name)!.values as Float64Array;
    // FP32 values, so that every form sends the very same numbers.
    const rows = Array.from({ length: Math.max(...SIZES) }, (_, i) => Object.fromEntries(inputs.map((n) => [n, Math.fround(column(n)[i % replay.rows])])));

    // Equal answers first: every form, the same 100 rows.
    const meta = (await (await fetch(`${base}/v2/models/${MODEL}`)).json()) as { outputs: { name: string; shape: number[] }[] };
    const classes = meta.outputs.find((o) => o.name === 'probabilities')!.shape[1];
    const sample = rows.slice(0, 100);
    const answers = await Promise.all(FORMS.map((f) => answer(request(base, f, inputs, sample), f, classes)));
    for (let k = 1; k < FORMS.length; k++) {
      const [a, b] = [answers[0], answers[k]];
      const labelDiff = a.labels.findIndex((l, i) => l !== b.labels[i]);
      const probDiff = Math.max(...a.probabilities.map((p, i) => Math.abs(p - b.probabilities[i])));
      if (labelDiff >= 0 || a.labels.length !== b.labels.length || !(probDiff <= 1e-6)) {
        console.error(`FAIL: ${FORMS[k]} answers differ from ${FORMS[0]} (first label at ${labelDiff}, largest probability difference ${probDiff})`);
        return 1;
      }
    }
    console.log(`answers: ${FORMS.join(', ')} equal on 100 rows (labels identical, probabilities within 1e-6)`);

    const got = new Map<string, Figures[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of SIZES) {
        const order = round % 2 === 0 ? FORMS : [...FORMS].reverse();
        const line: string[] = [];
        for (const form of order) {
          const req = request(base, form, inputs, rows.slice(0, size));
          if (WARMUP > 0) await load(req, WARMUP, size);
          const f = await load(req, SECONDS, size);
          got.set(`${form}@${size}`, [...(got.get(`${form}@${size}`) ?? []), f]);
          line.push(`${form} ${Math.round(f.rowsPerSec)} rows/s p99 ${f.p99} ms${f.failed ? ` (${f.failed} failed)` : ''}`);
        }
        console.log(`round ${round + 1} ${String(size).padStart(5)} rows/request: ${line.join(' | ')}`);
      }
    }
    const failed = [...got.values()].flat().reduce((a, f) => a + f.failed, 0);
    console.log(`\nsummary, ${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP} s warm-up (min–max; ratio per round):`);
    for (const size of SIZES) {
      const figs = (form: Form) => got.get(`${form}@${size}`) ?? [];
      const parts = FORMS.map((f) => `${f} ${range(figs(f).map((x) => x.rowsPerSec))} rows/s (p99 ${range(figs(f).map((x) => x.p99))} ms)`);
      const ratio = (a: Form, b: Form) => (FORMS.includes(a) && FORMS.includes(b) ? `; ${a}/${b} ${ratioRange(figs(a).map((x, i) => x.rowsPerSec / figs(b)[i].rowsPerSec))}×` : '');
      console.log(`  ${size} rows/request: ${parts.join(', ')}${ratio('v2-binary', 'v2-json')}${ratio('v2-binary', 'v1')}`);
    }
    if (failed > 0) {
      console.error(`FAIL: ${failed} request(s) failed under load`);
      return 1;
    }
    return 0;
  } finally {
    await new Promise<void>((done) => { target.child.once('exit', () => done()); target.child.stdin?.end(); });
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
