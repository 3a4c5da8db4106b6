// Transforms: every registry entry and every analyzer gives the same values in arquero (training) and in the compiled ONNX graph (onnxruntime-node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { tableFromColumns } from '../../lib/data/typing.js';
import { takeRows, type Table } from '../../lib/data/table.js';
import { ANALYZERS } from '../../lib/transforms/analyzers.js';
import { compileTransforms, transformsModel } from '../../lib/transforms/compile.js';
import { parseExpr } from '../../lib/transforms/expr.js';
import { applyTransforms, fitTransforms } from '../../lib/transforms/fit.js';
import { REGISTRY } from '../../lib/transforms/registry.js';
import type { TransformDeclaration } from '../../lib/transforms/schema.js';
import { entriesUsed } from '../../lib/transforms/types.js';

/** Deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTREMES = [NaN, 0, -0, 3.4e38, -3.4e38, 1e-38, Infinity, -Infinity, 1, -1, 2, 0.5, 1e7];
const TRAIN_STRINGS = ['rain', 'sun', 'sun', 'Fog ', '  drizzle', 'ÉCOLE', 'a b', '', 'sun'];
const TEST_STRINGS = ['snow', '', '   ', ' \t x\n', 'Ünï  ', 'SUN', 'rain'];
const DATES = ['2012-01-01', '1999-12-31T23:59:59', '2000-02-29T12:30:00Z', '', '1900-03-01', '2100-12-31T07:00', '1970-01-01', '2016-07-04T00:00:00.000Z'];

/** 400 rows: the first half trains, the second holds unseen strings; numbers float32 as served, with NaN and extremes. */
function generate(rows = 400): { table: Table; columns: Record<string, (number | string)[]> } {
  const r = rng(23);
  const num = (i: number): number => (i % 7 === 0 ? EXTREMES[Math.floor(r() * EXTREMES.length)] : Math.fround((r() - 0.3) * 40));
  const columns = {
    x: Array.from({ length: rows }, (_, i) => num(i)),
    y: Array.from({ length: rows }, (_, i) => num(i + 3)),
    s: Array.from({ length: rows }, (_, i) => (i < rows / 2 ? TRAIN_STRINGS : TEST_STRINGS)[Math.floor(r() * (i < rows / 2 ? TRAIN_STRINGS : TEST_STRINGS).length)]),
    d: Array.from({ length: rows }, () => DATES[Math.floor(r() * DATES.length)]),
  };
  const table = tableFromColumns(
    Object.entries(columns).map(([name, values]) => ({ name, values: values.map((v) => (v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v)) })),
    'generated',
  );
  return { table, columns };
}

const DATA = generate();

/** arquero vs ONNX on every row for the given declarations; returns how many values were compared. */
async function parity(decls: TransformDeclaration[], rows?: number[], label: (output: string) => string = (o) => o): Promise<number> {
  const train = takeRows(DATA.table, Array.from({ length: DATA.table.rows / 2 }, (_, i) => i));
  const fitted = fitTransforms(decls, train);
  const idx = rows ?? Array.from({ length: DATA.table.rows }, (_, i) => i);
  const expected = applyTransforms(fitted, takeRows(DATA.table, idx));
  const compiled = compileTransforms(fitted);
  const session = await ort.InferenceSession.create(transformsModel(compiled));
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of compiled.inputs) {
    const values = idx.map((i) => DATA.columns[input.name][i]);
    feeds[input.name] = input.elemType === 1 ? new ort.Tensor('float32', Float32Array.from(values as number[]), [idx.length, 1]) : new ort.Tensor('string', values as string[], [idx.length, 1]);
  }
  const got = await session.run(feeds);
  let compared = 0;
  for (const out of compiled.outputs) {
    const column = expected.columns.find((c) => c.name === out.name);
    assert.ok(column, `arquero computed no column "${out.name}"`);
    const onnx = got[out.name].data as ArrayLike<number | string>;
    for (let i = 0; i < idx.length; i++) {
      const a: number | string = column.values[i] ?? '';
      const b = onnx[i];
      const where = `${label(out.name)} (${out.name}) row ${idx[i]} (x=${DATA.columns.x[idx[i]]}, y=${DATA.columns.y[idx[i]]}, s=${JSON.stringify(DATA.columns.s[idx[i]])}, d=${DATA.columns.d[idx[i]]})`;
      if (typeof a === 'string') assert.equal(b, a, where);
      else if (Number.isNaN(a) || !Number.isFinite(a)) assert.ok(Object.is(b, a) || (Number.isNaN(a) && Number.isNaN(b as number)), `${where}: arquero ${a}, ONNX ${b}`);
      else assert.ok(Math.abs((b as number) - a) <= 1e-6 * Math.max(1, Math.abs(a)), `${where}: arquero ${a}, ONNX ${b}`);
      compared++;
    }
  }
  return compared;
}

test('every registry entry: arquero and the ONNX graph agree to 1e-6 on NaN, "", extremes and unseen strings', async () => {
  // One graph for all of them (a column per entry, named by its position in the registry).
  const entries = Object.entries(REGISTRY);
  for (const [key, entry] of entries) assert.ok(entriesUsed(parseExpr(entry.example)).has(key), `"${key}"'s parity example "${entry.example}" does not use it`);
  const compared = await parity(entries.map(([, entry], i) => ({ name: `entry_${i}`, expr: entry.example })), undefined, (name) => entries[Number(name.slice(6))][0]);
  assert.equal(compared, DATA.table.rows * entries.length);
});

test('every analyzer: learned on the training half, applied to all rows, agrees in arquero and ONNX', async () => {
  const analyzers = Object.entries(ANALYZERS);
  for (const [name, analyzer] of analyzers) assert.ok(Object.keys(analyzer.example).includes(name), `analyzer "${name}"'s example does not use it`);
  const compared = await parity(analyzers.map(([, a], i) => ({ name: `analyzer_${i}`, ...a.example }) as TransformDeclaration), undefined, (name) => analyzers[Number(/^analyzer_(\d+)/.exec(name)?.[1])][0]);
  assert.ok(compared >= DATA.table.rows * analyzers.length);
  // The other forms of each analyzer, and analyzers reading a derived column.
  await parity([
    { name: 'idx', vocabulary: 's', encode: 'index' },
    { name: 's_filled', impute: 's', with: 'mode' },
    { name: 's_const', impute: 's', with: 'none' },
    { name: 'x_mean', impute: 'x', with: 'mean' },
    { name: 'x_const', impute: 'x', with: -1 },
    { name: 'x_mode', impute: 'x', with: 'mode' },
    { name: 'ratio', expr: 'x / (abs(y) + 1)' },
    { name: 'ratio_z', standardize: 'ratio' },
    { name: 'ratio_b', buckets: 'ratio', quantiles: 10 },
    { name: 'word', expr: 'lower(trim(s))' },
    { name: 'word_i', vocabulary: 'word' },
  ]);
});

test('batches of only missing strings and dates (no token in the whole batch) still agree', async () => {
  const blank = DATA.columns.s.flatMap((v, i) => (v === '' || v === '   ' ? [i] : []));
  const noDate = DATA.columns.d.flatMap((v, i) => (v === '' ? [i] : []));
  assert.ok(blank.length > 0 && noDate.length > 0);
  await parity([{ name: 'out', expr: 'trim(s)' }], blank);
  await parity([{ name: 'm', expr: 'month(d)' }, { name: 'w', expr: 'dayofweek(d)' }, { name: 'h', expr: 'hour(d)' }], noDate);
});
