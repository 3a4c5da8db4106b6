// Drift bench: 1M × (20 numeric + 5 categorical) — profile, aggregates, exact suite (one-off and per window) vs scipy's ks_2samp, on two data sets.
// Run: npx tsx bench/drift.ts [rows] [--data mixed|tied|still] [--smoke]   (scipy from .tools/py-scipy or $DRIFT_PYTHON; single-threaded; never run as a test)
// --smoke: 20,000 rows, checks KS against scipy (D and p to 1e-9), aggregates against exact, prepared against one-off; exits 1 on a mismatch.
import { loadavg } from 'node:os';
import { buildDriftProfile } from '../lib/stats/driftProfile.js';
import { AggregateBuilder } from '../lib/stats/windowAggregate.js';
import { driftExact, driftExactPrepared, driftFromAggregates, prepareExactReference, DEFAULT_DRIFT_POLICY, type DriftSuiteResult } from '../lib/stats/driftSuite.js';
import { ALL_DATA_SETS, DATA_SETS, dataSet, NUMERIC, CATEGORICAL, type DataSetName } from './driftData.js';
import { PEER_PYTHON, peerMissing, runPeer, type PeerResult } from './driftPeer.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const only = args.includes('--data') ? (args[args.indexOf('--data') + 1] as DataSetName) : undefined;
if (only !== undefined && !ALL_DATA_SETS.includes(only)) throw new Error(`--data must be one of ${ALL_DATA_SETS.join(', ')} (got ${only})`);
const rows = smoke ? 20_000 : Number(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--data') ?? 1_000_000);
if (!Number.isInteger(rows) || rows < 1000) throw new Error(`rows must be a whole number ≥ 1000 (got ${rows})`);
const missing = peerMissing();
console.log(`command: npx tsx bench/drift.ts ${args.join(' ')}  (node ${process.version}; ${missing ? 'peer: not installed' : `scipy via ${PEER_PYTHON}`}; load average ${loadavg()[0].toFixed(1)})`);
if (missing) console.log(`peer: not installed — ${missing}`);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};
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
const numericOf = (r: DriftSuiteResult) => r.features.filter((f) => f.kind === 'numeric');

/** The mixed data set's walk through the whole suite: profile, aggregates, from aggregates vs exact, what each test flags. */
function suiteTour(): void {
  const reference = dataSet('mixed', rows, 48271, 0, 0);
  const current = dataSet('mixed', rows, 16807, 0.003, 0.3);
  const features = { numeric: reference.columns.filter((c) => c.kind === 'numeric').map((c) => c.name), categorical: reference.columns.filter((c) => c.kind === 'categorical').map((c) => c.name) };
  console.log(`\n[mixed] ${rows} rows × ${NUMERIC} numeric + ${CATEGORICAL} categorical columns, reference and current`);
  const profile = time('profile build (once, from the reference)', () => buildDriftProfile(reference, features));
  const builder = new AggregateBuilder(profile);
  time('aggregate build (addColumns, whole window)', () => builder.addColumns(Object.fromEntries(current.columns.map((c) => [c.name, c.values])) as Parameters<AggregateBuilder['addColumns']>[0]));
  const binned = time('driftFromAggregates (all tests, 25 columns)', () => driftFromAggregates(profile, builder.snapshot()));
  const exact = time('driftExact one-off (25 columns, sorts both sides)', () => driftExact(reference, current, features));
  let ksGap = 0;
  let ksOutside = 0;
  let wGap = 0;
  binned.features.forEach((b, i) => {
    if (b.kind !== 'numeric') return;
    const d = exact.features[i].ks!.statistic - b.ks!.statistic;
    ksGap = Math.max(ksGap, d);
    if (d < -1e-12 || d > b.ks!.errorBound + 1e-12) ksOutside++;
    wGap = Math.max(wGap, Math.abs(exact.features[i].wasserstein! - b.wasserstein!));
  });
  console.log(`aggregates vs exact: KS D gap ≤ ${ksGap.toExponential(2)} (${ksOutside} outside the error bound), normalized Wasserstein |Δ| ≤ ${wGap.toExponential(2)}`);
  check(ksOutside === 0, `mixed: ${ksOutside} aggregate KS statistics outside their error bound`);
  check(wGap <= 0.005, `mixed: Wasserstein from aggregates off by ${wGap}`);
  const flags = (r: DriftSuiteResult, test: (f: DriftSuiteResult['features'][number]) => boolean) => numericOf(r).filter(test).length;
  const asKs = driftExact(reference, current, features, { ...DEFAULT_DRIFT_POLICY, method: 'ks', correction: 'none' });
  console.log(`numeric columns flagged (of ${NUMERIC}; 2 shifted 0.3 sd, ${NUMERIC - 2} shifted 0.003 sd): ` + [
    `KS p<0.05 raw ${flags(asKs, (f) => f.ks!.pValue < 0.05)}`, `chi-square p<0.05 raw ${flags(exact, (f) => f.chiSquare.pValue < 0.05)}`,
    `PSI≥0.1 ${flags(exact, (f) => f.psi >= 0.1)}`, `JS≥0.1 ${flags(exact, (f) => f.jensenShannon >= 0.1)}`,
    `Wasserstein≥0.1 ${flags(exact, (f) => f.wasserstein! >= 0.1)}`, `auto rule (${exact.features[0].method}) ${flags(exact, (f) => f.drifted)}`,
  ].join('; '));
}

/** One data set, numeric columns only: scipy vs driftExact one-off (both sides sorted per call) and per window; the KS values checked. */
function versusScipy(name: DataSetName): string | null {
  const reference = dataSet(name, rows, 48271, 0, 0);
  const current = dataSet(name, rows, 16807, 0.003, 0.3);
  const numeric = { numeric: reference.columns.filter((c) => c.kind === 'numeric').map((c) => c.name), categorical: [] };
  const label = (s: string) => s.padEnd(52);
  console.log(`\n[${name}] ${rows} × ${NUMERIC} numeric columns, exact KS (every test on our side)`);
  let result: DriftSuiteResult | undefined;
  const oneOff = [0, 1, 2].map(() => clocks(() => (result = driftExact(reference, current, numeric))));
  const ready = prepareExactReference(reference, numeric);
  const window = [0, 1, 2].map(() => clocks(() => driftExactPrepared(ready, current)));
  const prepared = driftExactPrepared(ready, current);
  check(JSON.stringify(prepared.features) === JSON.stringify(result!.features), `${name}: prepared and one-off results differ`);
  const runs = (xs: { wall: number; cpu: number }[]) => `wall ${xs.map((x) => x.wall.toFixed(3)).join('/')} s, cpu ${xs.map((x) => x.cpu.toFixed(3)).join('/')} s`;
  const peer: PeerResult | null = missing ? null : runPeer(reference, current, numeric.numeric);
  console.log(`${label(`peer: scipy ks_2samp(method='asymp'), ${NUMERIC} cols`)} ${peer ? `wall ${peer.wall.toFixed(3)} s, cpu ${peer.cpu.toFixed(3)} s  (scipy ${peer.version})` : 'not installed'}`);
  console.log(`${label('mlcycle: driftExact one-off (both sides sorted)')} ${runs(oneOff)}`);
  console.log(`${label('mlcycle: driftExactPrepared per window')} ${runs(window)}`);
  if (!peer) return null;
  let dGap = 0;
  let pGap = 0;
  numericOf(result!).forEach((f, i) => {
    dGap = Math.max(dGap, Math.abs(f.ks!.statistic - peer.ks[i][0]));
    pGap = Math.max(pGap, Math.abs(f.ks!.pValue - peer.ks[i][1]));
  });
  console.log(`KS vs scipy: max |ΔD| = ${dGap.toExponential(2)}, max |Δp| = ${pGap.toExponential(2)}`);
  check(dGap <= 1e-9 && pGap <= 1e-9, `${name}: KS differs from scipy (|ΔD| ${dGap}, |Δp| ${pGap})`);
  const ratio = (xs: { wall: number; cpu: number }[]) => `${(peer.wall / median(xs.map((x) => x.wall))).toFixed(1)}× wall, ${(peer.cpu / median(xs.map((x) => x.cpu))).toFixed(1)}× cpu`;
  return `${name.padEnd(6)} | scipy wall ${peer.wall.toFixed(2)} s, cpu ${peer.cpu.toFixed(2)} s | one-off ${median(oneOff.map((x) => x.wall)).toFixed(2)} s, per window ${median(window.map((x) => x.wall)).toFixed(2)} s (medians) | ` +
    `one-off ${ratio(oneOff)}; per window ${ratio(window)}`;
}

if (!only || only === 'mixed') suiteTour();
const lines = (only ? [only] : DATA_SETS).map(versusScipy).filter((l): l is string => l !== null);
if (lines.length) console.log(`\nexact drift vs scipy ks_2samp, ${rows} × ${NUMERIC} numeric (ratio = scipy's time ÷ ours):\n${lines.join('\n')}`);
if (failures.length) {
  console.error(`\nFAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  process.exit(1);
}
if (smoke) console.log('\nsmoke: results agree');
