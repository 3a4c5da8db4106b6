// Drift bench: 1M × (20 numeric + 5 categorical) — profile, aggregate, suite from aggregates, exact suite, vs scipy's ks_2samp.
// Run: npx tsx bench/drift.ts [rows]   (scipy from /work/main/.tools/py-scipy or $DRIFT_PYTHON; never run as a test)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '../lib/data/table.js';
import { buildDriftProfile } from '../lib/stats/driftProfile.js';
import { AggregateBuilder } from '../lib/stats/windowAggregate.js';
import { driftExact, driftFromAggregates } from '../lib/stats/driftSuite.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const NUMERIC = 20;
const CATEGORICAL = 5;
const python = process.env.DRIFT_PYTHON ?? join(import.meta.dirname, '..', '.tools', 'py-scipy', 'bin', 'python');
console.log(`command: npx tsx bench/drift.ts ${rows}  (node ${process.version}; scipy via ${python}; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);

function table(seed: number, shift: number, drift: number): Table {
  let x = seed;
  const next = () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
  const columns: Column[] = [];
  for (let j = 0; j < NUMERIC; j++) {
    const values = new Float64Array(rows);
    const s = j < 2 ? drift + shift : shift; // two columns drift, the rest barely
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

const time = <T>(label: string, f: () => T): T => {
  const t = performance.now();
  const out = f();
  console.log(`${label.padEnd(46)} ${((performance.now() - t) / 1000).toFixed(3)} s`);
  return out;
};

const reference = table(48271, 0, 0);
const current = table(16807, 0.003, 0.3);
const features = { numeric: reference.columns.filter((c) => c.kind === 'numeric').map((c) => c.name), categorical: reference.columns.filter((c) => c.kind === 'categorical').map((c) => c.name) };
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
const exact = time('driftExact (all tests, sorts both sides)', () => driftExact(reference, current, features));
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

if (!existsSync(python)) {
  console.log(`scipy: ${python} not found — make it with: python3 -m venv .tools/py-scipy && .tools/py-scipy/bin/pip install scipy numpy`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  try {
    for (const side of [reference, current] as const) {
      for (const c of side.columns) if (c.kind === 'numeric') writeFileSync(join(dir, `${side === reference ? 'ref' : 'cur'}-${c.name}.f64`), c.values);
    }
    const script = `
import sys, time, numpy as np, scipy
from scipy import stats
d = sys.argv[1]; names = sys.argv[2].split(',')
cols = [(np.fromfile(f'{d}/ref-{n}.f64'), np.fromfile(f'{d}/cur-{n}.f64')) for n in names]
t = time.perf_counter()
for a, b in cols: stats.ks_2samp(a, b, method='asymp')
print(f'{time.perf_counter() - t:.3f} scipy {scipy.__version__}')`;
    const out = execFileSync(python, ['-c', script, dir, features.numeric.join(',')], { encoding: 'utf8' }).trim();
    const [seconds, ...version] = out.split(' ');
    console.log(`${`scipy ks_2samp(method='asymp'), ${NUMERIC} columns`.padEnd(46)} ${seconds} s  (${version.join(' ')})`);
    const t = performance.now();
    driftExact(reference, current, { numeric: features.numeric, categorical: [] });
    const ours = (performance.now() - t) / 1000;
    console.log(`${`driftExact on the same ${NUMERIC} numeric columns`.padEnd(46)} ${ours.toFixed(3)} s  → ${(Number(seconds) / ours).toFixed(1)}× scipy's ks_2samp`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
