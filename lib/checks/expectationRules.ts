// The rule behind each expectation kind: decides pass/fail, counts failing rows (as a mask), words the message.
import type { CategoricalColumn, Column, Table } from '../data/table.js';
import type { ColumnStats } from '../data/profile.js';
import { parseIsoDate, parseNumberText } from '../data/textValues.js';
import { encoded, type EncodedColumn, type EncodingCache } from '../stats/dictionary.js';
import { denseCodes } from '../stats/codes.js';
import { meanStd, scanColumn } from '../stats/moments.js';
import { countCodes, firstRows, flaggedRows, missingRows, missingRowsCounted, outsideRows, type RowFailures } from './rowMasks.js';
import { duplicatedRows } from './uniqueness.js';
import type { Expectation, Observed } from './expectations.js';
import { fmt } from './validate.js';

/** A malformed expectation (unknown column, wrong kind, regex that does not compile): reported, never thrown out. */
export class ExpectationError extends Error {
  override readonly name = 'ExpectationError';
}

export interface RuleContext {
  table: Table;
  byName: Map<string, Column>;
  cache: EncodingCache;
  stats: Map<string, ColumnStats>;
  now: number;
}

export interface RuleOutcome {
  passed: boolean;
  failingRows: number;
  observed: Observed;
  message: string;
  /** Failing rows of a row-wise check. */
  mask: Uint8Array | null;
}

const DAY_MS = 86_400_000;

export function evaluateRule(e: Expectation, ctx: RuleContext): RuleOutcome {
  const n = ctx.table.rows;
  switch (e.expect) {
    case 'rowCount': {
      const ok = (e.min === undefined || n >= e.min) && (e.max === undefined || n <= e.max);
      return table(ok, n, ok ? `${n} rows, within ${between(e.min, e.max)}` : `${n} rows, expected ${between(e.min, e.max)}`);
    }
    case 'uniqueCombination':
      return uniqueness(e.columns.map((name) => find(ctx, name)), ctx);
    default:
      break;
  }
  const col = find(ctx, e.column);
  const where = `column "${col.name}"`;
  switch (e.expect) {
    case 'notNull': {
      const s = ctx.stats.get(col.name);
      const enc = col.kind === 'categorical' ? encodedColumn(col, ctx) : null;
      const missing = enc ? enc.nulls : s && s.kind === col.kind ? s.nulls : -1;
      const count = missing >= 0 ? missing : missingRows(col.values as Float64Array).count;
      const fraction = n ? count / n : 0;
      const allowed = e.maxNullFraction ?? 0;
      const ok = fraction <= allowed;
      const msg = count === 0 ? `${where}: no missing values`
        : `${where}: ${count} of ${n} values missing (${pct(fraction)}), ${ok ? 'within' : 'more than'} the ${pct(allowed)} allowed`;
      // The mask (for samples and quarantine) only when the check fails.
      const f = ok ? { count, mask: null } : enc ? flaggedRows(enc, new Uint8Array(enc.dictionary.length), 1) : missingRowsCounted(col.values as Float64Array, count);
      return rows(ok, f, fraction, msg);
    }
    case 'type': {
      if (col.kind === e.kind) return table(true, col.kind, `${where} is ${col.kind}`);
      const f = kindFailures(col, e.kind, ctx);
      return rows(false, f, col.kind, `${where}: expected ${e.kind}, found ${col.kind}: ${f.count} of ${n} values ${f.what} ${examples(col, f.mask)}`);
    }
    case 'range': {
      const values = numericValues(col, 'range');
      const lo = e.min === undefined ? -Infinity : boundValue(e.min, col);
      const hi = e.max === undefined ? Infinity : boundValue(e.max, col);
      const s = ctx.stats.get(col.name);
      // The profile's extremes prove a pass without reading the column.
      const inside = s && s.kind !== 'categorical' && s.kind === col.kind && s.infinite === 0 && (s.min === null || (s.min >= lo && (s.max as number) <= hi));
      const f = inside ? { count: 0, mask: null } : outsideRows(values, lo, hi);
      const shown = `[${showBound(lo, col)}, ${showBound(hi, col)}]`;
      const msg = f.count === 0 ? `${where}: every value within ${shown}` : `${where}: ${f.count} of ${n} values outside ${shown} ${examples(col, f.mask)}`;
      return rows(f.count === 0, f, f.count, msg);
    }
    case 'allowedSet': {
      const f = col.kind === 'categorical' ? allowedCategories(col, e.values, ctx) : allowedNumbers(col, e.values, ctx);
      const msg = f.count === 0 ? `${where}: every value among the ${e.values.length} allowed` : `${where}: ${f.count} of ${n} values not in the allowed set ${examples(col, f.mask)}`;
      return rows(f.count === 0, f, f.count, msg);
    }
    case 'unique':
      return uniqueness([col], ctx);
    case 'pattern': {
      if (col.kind !== 'categorical') throw new ExpectationError(`pattern applies to text (categorical) columns; ${where} is ${col.kind}`);
      let re: RegExp;
      try {
        re = new RegExp(e.regex, e.flags ?? '');
      } catch (err) {
        throw new ExpectationError(`regex /${e.regex}/ does not compile: ${(err as Error).message}`);
      }
      const enc = encodedColumn(col, ctx);
      const bad = Uint8Array.from(enc.dictionary, (v) => (re.test(v) ? 0 : 1));
      const f = flaggedRows(enc, bad, 0);
      const msg = f.count === 0 ? `${where}: every value matches /${e.regex}/` : `${where}: ${f.count} of ${n} values do not match /${e.regex}/ ${examples(col, f.mask)}`;
      return rows(f.count === 0, f, f.count, msg);
    }
    case 'freshness': {
      if (col.kind !== 'date') throw new ExpectationError(`freshness needs a date column; ${where} is ${col.kind}`);
      const now = e.now === undefined ? ctx.now : boundValue(e.now, col);
      const s = ctx.stats.get(col.name);
      const latest = s && s.kind === 'date' ? (s.max ?? -Infinity) : scanColumn(col.values).max;
      if (latest === -Infinity) return table(false, null, `${where} has no dates`);
      const age = (now - latest) / DAY_MS;
      const ok = age <= e.maxAgeDays;
      const iso = new Date(latest).toISOString();
      return table(ok, iso, `${where}: latest value ${iso} is ${fmt(Math.max(0, age))} days old, ${ok ? 'within' : 'more than'} ${e.maxAgeDays}`);
    }
    case 'meanBetween':
    case 'stdBetween': {
      if (col.kind !== 'numeric') throw new ExpectationError(`${e.expect} needs a numeric column; ${where} is ${col.kind}`);
      const what = e.expect === 'meanBetween' ? 'mean' : 'standard deviation';
      const s = ctx.stats.get(col.name);
      const m = s && s.kind === 'numeric' ? { mean: s.mean, std: s.std } : meanStd(col.values);
      const x = e.expect === 'meanBetween' ? m.mean : m.std;
      if (x === null) return table(false, null, `${where}: too few values for a ${what}`);
      const ok = (e.min === undefined || x >= e.min) && (e.max === undefined || x <= e.max);
      return table(ok, x, `${where}: ${what} ${fmt(x)} ${ok ? 'within' : 'outside'} ${between(e.min, e.max)}`);
    }
  }
}

function table(passed: boolean, observed: Observed, message: string): RuleOutcome {
  return { passed, failingRows: 0, observed, message, mask: null };
}

function rows(passed: boolean, f: RowFailures, observed: Observed, message: string): RuleOutcome {
  return { passed, failingRows: f.count, observed, message, mask: f.mask };
}

function find(ctx: RuleContext, name: string): Column {
  const c = ctx.byName.get(name);
  if (c) return c;
  const have = [...ctx.byName.keys()];
  const list = have.slice(0, 20).map((x) => `"${x}"`).join(', ') + (have.length > 20 ? `, … (${have.length} in all)` : '');
  throw new ExpectationError(`column "${name}" not found (have: ${list || 'no columns'})`);
}

function encodedColumn(col: CategoricalColumn, ctx: RuleContext): EncodedColumn {
  return encoded(col.values, ctx.cache);
}


function numericValues(col: Column, kind: string): Float64Array {
  if (col.kind === 'categorical') throw new ExpectationError(`${kind} applies to numeric and date columns; column "${col.name}" is categorical`);
  return col.values;
}

/** A bound as a number: numbers as they are; for date columns an ISO-8601 text. */
function boundValue(b: number | string, col: Column): number {
  if (typeof b === 'number') return b;
  const v = col.kind === 'date' ? parseIsoDate(b) : parseNumberText(b);
  if (v === undefined || Number.isNaN(v)) throw new ExpectationError(`bound ${JSON.stringify(b)} is not ${col.kind === 'date' ? 'an ISO-8601 date' : 'a number'}`);
  return v;
}

function showBound(x: number, col: Column): string {
  if (!Number.isFinite(x)) return x < 0 ? '-∞' : '∞';
  return col.kind === 'date' ? new Date(x).toISOString() : fmt(x);
}

function allowedCategories(col: CategoricalColumn, values: readonly (string | number)[], ctx: RuleContext): RowFailures {
  const allowed = new Set(values.map(String));
  const enc = encodedColumn(col, ctx);
  return flaggedRows(enc, Uint8Array.from(enc.dictionary, (v) => (allowed.has(v) ? 0 : 1)), 0);
}

function allowedNumbers(col: Column, values: readonly (string | number)[], ctx: RuleContext): RowFailures {
  const data = numericValues(col, 'allowedSet');
  const allowed = new Set(values.map((v) => boundValue(v, col) || 0));
  const s = ctx.stats.get(col.name);
  const dense = denseCodes(data, s && s.kind !== 'categorical' ? s.distinct : undefined);
  const distinct = new Float64Array(dense.size);
  for (let i = 0; i < data.length; i++) if (dense.codes[i] >= 0) distinct[dense.codes[i]] = data[i];
  return flaggedRows(countCodes(dense.codes, dense.size), Uint8Array.from(distinct, (v) => (allowed.has(v || 0) ? 0 : 1)), 0);
}

/** Every row of a value (or combination of values) that occurs more than once; rows missing every value take no part. */
function uniqueness(cols: Column[], ctx: RuleContext): RuleOutcome {
  const f = duplicatedRows(cols, ctx.cache, ctx.stats, ctx.table.rows);
  const names = cols.map((c) => `"${c.name}"`).join(', ');
  const what = cols.length > 1 ? 'combinations' : 'values';
  const where = `${cols.length > 1 ? 'columns' : 'column'} ${names}`;
  const msg = f.count === 0 ? `${where}: every ${cols.length > 1 ? 'combination' : 'value'} is unique`
    : `${where}: ${f.count} rows share ${f.duplicated} duplicated ${what} ${cols.length === 1 ? examples(cols[0], f.mask) : ''}`.trimEnd();
  return rows(f.count === 0, f, f.duplicated, msg);
}

function kindFailures(col: Column, kind: string, ctx: RuleContext): RowFailures & { what: string } {
  if (col.kind === 'categorical') {
    const enc = encodedColumn(col, ctx);
    const parse = kind === 'numeric' ? parseNumberText : parseIsoDate;
    const f = flaggedRows(enc, Uint8Array.from(enc.dictionary, (v) => (parse(v) === undefined ? 1 : 0)), 0);
    if (f.count > 0) return { ...f, what: kind === 'numeric' ? 'are not numbers' : 'are not ISO-8601 dates' };
    return { ...flaggedRows(enc, new Uint8Array(enc.dictionary.length).fill(1), 0), what: `are text (though they read as ${kind})` };
  }
  const missing = missingRows(col.values);
  const mask = new Uint8Array(col.values.length).fill(1);
  if (missing.mask) for (let i = 0; i < mask.length; i++) mask[i] = 1 - missing.mask[i];
  return { count: col.values.length - missing.count, mask, what: `are ${col.kind}` };
}

/** "(e.g. a, b, c)": up to 3 distinct failing values, in row order. */
function examples(col: Column, mask: Uint8Array | null): string {
  const seen: string[] = [];
  for (const i of firstRows(mask, 50)) {
    const v = col.values[i];
    const shown = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)
      : v === null ? 'null' : col.kind === 'date' && Number.isFinite(v) ? new Date(v).toISOString() : fmt(v);
    if (!seen.includes(shown)) seen.push(shown);
    if (seen.length === 3) break;
  }
  return seen.length ? `(e.g. ${seen.join(', ')})` : '';
}

function between(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `[${fmt(min)}, ${fmt(max)}]`;
  return min !== undefined ? `at least ${fmt(min)}` : `at most ${fmt(max as number)}`;
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}
