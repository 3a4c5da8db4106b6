// Drift bench: 1M × (20 numeric + 5 categorical) — profile, aggregates, exact suite (one-off and per window) vs scipy's ks_2samp.
// Run: npx tsx bench/drift.ts [rows]   (scipy from .tools/py-scipy or $DRIFT_PYTHON; single-threaded; never run as a test)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '../lib/data/table.js';
import { buildDriftProfile } from '../lib/stats/driftProfile.js';
import { AggregateBuilder } from '../lib/stats/windowAggregate.js';
import { driftExact, driftExactPrepared, driftFromAggregates, prepareExactReference, DEFAULT_DRIFT_POLICY, type DriftSuiteResult } from '../lib/stats/driftSuite.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const NUMERIC = 20;
const CATEGORICAL = 5;
const python = process.env.DRIFT_PYTHON ?? join(import.meta.dirname, '..', '.tools', 'py-scipy', 'bin', 'python');
console.log(`command: npx tsx bench/drift.ts ${rows}  (node ${process.version}; scipy via ${python}; load average ${loadavg()[0].toFixed(1)})`);

function table(seed: number, shift: number, drift: number): Table {
  let x = seed;
  const next = () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
  const columns: Column[] = [];
  for (let j = 0; j < NUMERIC; j++) {
    const values = new Float64Array(rows);
    const s = j < 2 ? drift + shift : shift; // two columns drift 0.3 sd, the rest 0.003 sd (the sample-size trap)
    for (let i = 0; i < rows; i++) {
      const z = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()) + s;
      values[i] = j % 4 === 3 ? Math.exp(z) : j % 4 === 2 ? Math.round(z * 100) / 100 : z; // lognormal, rounded (ties), normal
    }
    columns.push({ name: `n${j}`, kind: 'numeric', values });
  }
  for (let j = 0; j < CATEGORICAL; j++) {
    const k = 3 + 4 * j;
    columns.push({ name: `c${j}`, kind: 'categorical', values: Array.from({ length: rows }, () => `v${Math.floor(next() ** (1 + shift) * k)}`) });
  }
  return { rows, columns };
}

const seconds = (f: () => unknown): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
/** Wall and CPU seconds (CPU time is steadier on a shared machine; both sides are single-threaded). */
const clocks = (f: () => unknown): { wall: number; cpu: number } => {
  const c = process.cpuUsage();
  const wall = seconds(f);
  const used = process.cpuUsage(c);
  return { wall, cpu: (used.user + used.system) / 1e6 };
};
const time = <T>(label: string, f: () => T): T => {
  let out: T | undefined;
  const s = seconds(() => (out = f()));
  console.log(`${label.padEnd(52)} ${s.toFixed(3)} s`);
  return out as T;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const reference = table(48271, 0, 0);
const current = table(16807, 0.003, 0.3);
const features = { numeric: reference.columns.filter((c) => c.kind === 'numeric').map((c) => c.name), categorical: reference.columns.filter((c) => c.kind === 'categorical').map((c) => c.name) };
const numericOnly = { numeric: features.numeric, categorical: [] };
console.log(`${rows} rows × ${NUMERIC} numeric + ${CATEGORICAL} categorical columns, reference and current`);
const profile = time('profile build (once, from the reference)', () => buildDriftProfile(reference, features));
console.log(`profile JSON: ${(JSON.stringify(profile).length / 1024).toFixed(0)} KiB`);
const builder = new AggregateBuilder(profile);
time('aggregate build (addColumns, whole window)', () => builder.addColumns(Object.fromEntries(current.columns.map((c) => [c.name, c.values])) as Parameters<AggregateBuilder['addColumns']>[0]));
const aggregate = builder.snapshot();
console.log(`aggregate JSON: ${(JSON.stringify(aggregate).length / 1024).toFixed(0)} KiB`);
const small = new AggregateBuilder(profile);
const records = Array.from({ length: 100_000 }, (_, i) => Object.fromEntries(current.columns.map((c) => [c.name, c.values[i]])));
time('aggregate build (add, 100k records one by one)', () => records.forEach((r) => small.add(r)));
const binned = time('driftFromAggregates (all tests, 25 columns)', () => driftFromAggregates(profile, aggregate));
const exact = time('driftExact one-off (25 columns, sorts both sides)', () => driftExact(reference, current, features));
const prepared = time('prepareExactReference (25 columns, once)', () => prepareExactReference(reference, features));
time('driftExactPrepared per window (25 columns)', () => driftExactPrepared(prepared, current));
console.log(`auto drifted (aggregates): ${binned.datasetDrift.driftedFeatures.join(', ')}; exact: ${exact.datasetDrift.driftedFeatures.join(', ')}`);
let ksGap = 0;
let ksBound = 0;
let wGap = 0;
binned.features.forEach((b, i) => {
  if (b.kind !== 'numeric') return;
  ksGap = Math.max(ksGap, exact.features[i].ks!.statistic - b.ks!.statistic);
  ksBound = Math.max(ksBound, b.ks!.errorBound);
  wGap = Math.max(wGap, Math.abs(exact.features[i].wasserstein! - b.wasserstein!));
});
console.log(`aggregates vs exact: KS D gap ≤ ${ksGap.toExponential(2)} (bound ${ksBound.toExponential(2)}), normalized Wasserstein |Δ| ≤ ${wGap.toExponential(2)}`);

// The sample-size trap: at 1M rows the 0.003 sd shifts of n2..n19 pass a raw KS p-value test, not the distances.
const numericFlags = (r: DriftSuiteResult, test: (f: DriftSuiteResult['features'][number]) => boolean) => r.features.filter((f) => f.kind === 'numeric' && test(f)).length;
const asKs = driftExactPrepared(prepared, current, { ...DEFAULT_DRIFT_POLICY, method: 'ks', correction: 'none' });
console.log(`numeric columns flagged (of ${NUMERIC}; 2 shifted 0.3 sd, ${NUMERIC - 2} shifted 0.003 sd): ` + [
  `KS p<0.05 raw ${numericFlags(asKs, (f) => f.ks!.pValue < 0.05)}`,
  `KS Holm ${numericFlags(driftExactPrepared(prepared, current, { ...DEFAULT_DRIFT_POLICY, method: 'ks' }), (f) => f.drifted)}`,
  `chi-square p<0.05 raw ${numericFlags(exact, (f) => f.chiSquare.pValue < 0.05)}`,
  `PSI≥0.1 ${numericFlags(exact, (f) => f.psi >= 0.1)}`,
  `JS≥0.1 ${numericFlags(exact, (f) => f.jensenShannon >= 0.1)}`,
  `Wasserstein≥0.1 ${numericFlags(exact, (f) => f.wasserstein! >= 0.1)}`,
  `auto rule (${exact.features[0].method}) ${numericFlags(exact, (f) => f.drifted)}`,
].join('; '));

if (!existsSync(python)) {
  console.log(`scipy: ${python} not found — make it with: python3 -m venv .tools/py-scipy && .tools/py-scipy/bin/pip install scipy numpy`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  try {
    for (const side of [reference, current] as const) {
      for (const c of side.columns) if (c.kind === 'numeric') writeFileSync(join(dir, `${side === reference ? 'ref' : 'cur'}-${c.name}.f64`), c.values);
    }
    const script = `
import sys, time, json, numpy as np, scipy
from scipy import stats
d = sys.argv[1]; names = sys.argv[2].split(',')
cols = [(np.fromfile(f'{d}/ref-{n}.f64'), np.fromfile(f'{d}/cur-{n}.f64')) for n in names]
w, c = time.perf_counter(), time.process_time()
res = [stats.ks_2samp(a, b, method='asymp') for a, b in cols]
print(json.dumps({'wall': time.perf_counter() - w, 'cpu': time.process_time() - c, 'version': scipy.__version__, 'ks': [[float(r.statistic), float(r.pvalue)] for r in res]}))`;
    const py = JSON.parse(execFileSync(python, ['-c', script, dir, features.numeric.join(',')], { encoding: 'utf8' })) as { wall: number; cpu: number; version: string; ks: [number, number][] };
    const label = (s: string) => s.padEnd(52);
    console.log(`${label(`scipy ks_2samp(method='asymp'), ${NUMERIC} columns`)} wall ${py.wall.toFixed(3)} s, cpu ${py.cpu.toFixed(3)} s  (scipy ${py.version}; sorts both sides every call)`);
    // Three runs each (the first includes the JIT's warm-up); the ratios use the medians.
    let check: DriftSuiteResult | undefined;
    const oneOff = [0, 1, 2].map(() => clocks(() => (check = driftExact(reference, current, numericOnly))));
    const prep = [0, 1, 2].map(() => clocks(() => prepareExactReference(reference, numericOnly)));
    const ready = prepareExactReference(reference, numericOnly);
    const window = [0, 1, 2].map(() => clocks(() => driftExactPrepared(ready, current)));
    const runs = (xs: { wall: number; cpu: number }[], ratio = true) => {
      const wall = median(xs.map((x) => x.wall));
      const cpu = median(xs.map((x) => x.cpu));
      const times = `wall ${xs.map((x) => x.wall.toFixed(3)).join('/')} s, cpu ${xs.map((x) => x.cpu.toFixed(3)).join('/')} s`;
      return ratio ? `${times} → ${(py.wall / wall).toFixed(1)}× scipy wall, ${(py.cpu / cpu).toFixed(1)}× cpu (medians)` : times;
    };
    console.log(`${label(`driftExact one-off, same ${NUMERIC} columns`)} ${runs(oneOff)}  [like for like: both sides sorted per call]`);
    console.log(`${label(`prepareExactReference alone (sorts the reference)`)} ${runs(prep, false)}`);
    console.log(`${label(`driftExactPrepared per window, same ${NUMERIC} columns`)} ${runs(window)}  [reference sorted once, not per call]`);
    let dGap = 0;
    let pGap = 0;
    check!.features.forEach((f, i) => {
      dGap = Math.max(dGap, Math.abs(f.ks!.statistic - py.ks[i][0]));
      pGap = Math.max(pGap, Math.abs(f.ks!.pValue - py.ks[i][1]));
    });
    console.log(`KS vs scipy on these columns: max |ΔD| = ${dGap.toExponential(2)}, max |Δp| = ${pGap.toExponential(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
