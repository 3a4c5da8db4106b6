// Bench: profile + schema + expectations + skew on a synthetic 1,000,000 × 50 table, in cells/s, against a plain summing pass.
// Run: npx tsx bench/validate.ts [rows] [--smoke]   (one core; the median of 5 timed runs after a warm-up; --smoke: 20,000 rows, checks only)
import type { Column, Table } from '../lib/data/table.js';
import { profileTable } from '../lib/data/profile.js';
import { schemaFromProfile } from '../lib/checks/schema.js';
import type { Expectation } from '../lib/checks/expectations.js';
import { formatValidationSummary, runValidation, type FullValidationReport } from '../lib/checks/suite.js';
import { mulberry32 as rng } from '../lib/train/cv.js';
import { checkProfile } from './validateChecks.js';

const SMOKE = process.argv.includes('--smoke');
const ROWS = SMOKE ? 20_000 : Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 1_000_000);
const NUMERIC = 35;
const CATEGORICAL = 15;
const RUNS = 5;

/** 35 numeric columns of five shapes (1% missing, an id column) and 15 categorical ones with ~20 categories. */
function synthetic(rows: number, seed: number): Table {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const shapes = [() => r() * 100, () => 50 + 10 * normal(), () => Math.exp(normal()), () => Math.floor(r() * 90), () => Math.round(r() * 1e4) / 100];
  const columns: Column[] = [{ name: 'id', kind: 'numeric', values: Float64Array.from({ length: rows }, (_, i) => seed * 1e7 + i) }];
  for (let c = 1; c < NUMERIC; c++) {
    const draw = shapes[c % shapes.length];
    columns.push({ name: `n${c}`, kind: 'numeric', values: Float64Array.from({ length: rows }, () => (r() < 0.01 ? NaN : draw())) });
  }
  for (let c = 0; c < CATEGORICAL; c++) {
    const pool = Array.from({ length: 18 + (c % 5) }, (_, k) => `c${c}_${String.fromCharCode(65 + k)}${k * 7}`);
    const values: (string | null)[] = new Array(rows);
    for (let i = 0; i < rows; i++) values[i] = r() < 0.01 ? null : pool[Math.floor(r() ** 1.5 * pool.length)];
    columns.push({ name: `s${c}`, kind: 'categorical', values });
  }
  return { rows, columns };
}

/** About one expectation per column, of every row-wise and aggregate kind, plus row count and uniqueness. */
function expectationsFor(table: Table): Expectation[] {
  const list: Expectation[] = [{ expect: 'rowCount', min: 1 }, { expect: 'unique', column: 'id' }];
  table.columns.forEach((c, k) => {
    if (c.name === 'id') return;
    if (c.kind === 'numeric') {
      const kinds: Expectation[] = [
        { expect: 'range', column: c.name, min: -1e6, max: 1e6 },
        { expect: 'notNull', column: c.name, maxNullFraction: 0.05 },
        { expect: 'meanBetween', column: c.name, min: -1e6, max: 1e6 },
        { expect: 'stdBetween', column: c.name, max: 1e6 },
      ];
      list.push(kinds[k % kinds.length]);
    } else {
      const kinds: Expectation[] = [
        { expect: 'allowedSet', column: c.name, values: Array.from({ length: 22 }, (_, j) => `${c.name.replace('s', 'c')}_${String.fromCharCode(65 + j)}${j * 7}`) },
        { expect: 'notNull', column: c.name, maxNullFraction: 0.05 },
        { expect: 'pattern', column: c.name, regex: '^c\\d+_[A-Z]\\d+$' },
      ];
      list.push(kinds[k % kinds.length]);
    }
  });
  return list;
}

/** Baseline: one plain pass per column (sum of numbers, count of present strings). */
function baseline(table: Table): number {
  let acc = 0;
  for (const c of table.columns) {
    if (c.kind === 'categorical') {
      let present = 0;
      const values = c.values;
      for (let i = 0; i < values.length; i++) if (values[i] !== null) present++;
      acc += present;
    } else acc += sumPresent(c.values);
  }
  return acc;
}

function sumPresent(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) s += values[i];
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  console.log(`$ npx tsx bench/validate.ts ${SMOKE ? '--smoke' : ROWS}`);
  console.log(`node ${process.version}, ${ROWS.toLocaleString('en')} rows × ${NUMERIC + CATEGORICAL} columns (${NUMERIC} numeric, ${CATEGORICAL} categorical)`);
  let t = performance.now();
  const reference = profileTable(synthetic(Math.max(1000, Math.floor(ROWS / 5)), 1));
  const schema = schemaFromProfile(reference);
  // As a person would edit the inferred schema: an id has no fixed range.
  const id = schema.columns.find((c) => c.name === 'id');
  if (id) [id.min, id.max] = [undefined, undefined];
  const table = synthetic(ROWS, 2);
  const expectations = expectationsFor(table);
  console.log(`setup (data, reference profile, schema): ${((performance.now() - t) / 1000).toFixed(1)} s; ${expectations.length} expectations`);
  const cells = ROWS * (NUMERIC + CATEGORICAL);
  const base: number[] = [];
  const full: number[] = [];
  let report: FullValidationReport | null = null;
  for (let run = 0; run <= RUNS; run++) {
    t = performance.now();
    baseline(table);
    const b = performance.now() - t;
    t = performance.now();
    report = runValidation({ table, schema, expectations, skew: { reference, config: { ignore: ['id'] } }, sourceName: 'synthetic' }).report;
    const f = performance.now() - t;
    if (run > 0) {
      base.push(b);
      full.push(f);
    }
  }
  const b = median(base);
  const f = median(full);
  const rate = (ms: number): string => `${((cells / ms) * 1000 / 1e6).toFixed(1)} M cells/s`;
  console.log(`baseline (one summing pass per column): ${b.toFixed(1)} ms  = ${rate(b)}`);
  console.log(`runValidation (profile + schema + ${expectations.length} expectations + skew): ${f.toFixed(1)} ms  = ${rate(f)}`);
  console.log(`  last run's phases (ms): ${JSON.stringify(report?.timingsMs)}`);
  if (report) console.log(formatValidationSummary(report, 8).replace(/^/gm, '  '));
  const problems = report ? checkProfile(table, report.profile) : ['no report'];
  if (report && !report.ok && report.counts.errors > 3) problems.push(`${report.counts.errors} error-level failures; the data is drawn to fail at most a few range checks`);
  if (problems.length > 0) {
    console.error(`FAILED:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('checks: counts, extremes, mean and std exact; quantiles within the documented rank error; distinct exact or within the HyperLogLog error');
  console.log(`runValidation / baseline: ${(f / b).toFixed(1)}× the time; ${rate(f)} (goal ≥ 100 M cells/s: ${(cells / f) * 1000 >= 100e6 ? 'met' : 'NOT met'})`);
}

main();
