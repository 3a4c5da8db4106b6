// Uniqueness of a column or of a combination of columns: rows whose value (or combination) occurs more than once.
import type { Column } from '../data/table.js';
import type { ColumnStats } from '../data/profile.js';
import { encoded, type EncodingCache } from '../stats/dictionary.js';
import { combineCodes, denseCodes, integerCodes } from '../stats/codes.js';
import { countCodes, flaggedRows, repeatedCodes, type CountedCodes, type RowFailures } from './rowMasks.js';

/** Failing rows (every row of a repeated value) and how many distinct values (combinations) repeat. */
export function duplicatedRows(cols: Column[], cache: EncodingCache, stats: Map<string, ColumnStats>, rows: number): RowFailures & { duplicated: number } {
  const coded = cols.map((c) => codesOf(c, cache, stats.get(c.name)));
  let combined: CountedCodes = coded[0];
  if (cols.length > 1) {
    let codes = combineCodes(coded[0].codes, coded[1].codes);
    for (let k = 2; k < coded.length; k++) codes = combineCodes(codes.codes, coded[k].codes);
    // Rows missing every value take no part (code -1).
    const missing = new Int32Array(rows);
    for (const c of coded) countMissing(c.codes, missing);
    for (let i = 0; i < rows; i++) if (missing[i] === cols.length) codes.codes[i] = -1;
    combined = countCodes(codes.codes, codes.size);
  }
  const flags = repeatedCodes(combined.counts);
  let duplicated = 0;
  for (let k = 0; k < flags.length; k++) duplicated += flags[k];
  return { ...flaggedRows(combined, flags, 0), duplicated };
}

/** Codes with counts: the dictionary of a categorical column; offsets of a small integer range; else hashed. */
function codesOf(c: Column, cache: EncodingCache, s: ColumnStats | undefined): CountedCodes {
  if (c.kind === 'categorical') return encoded(c.values, cache);
  const numeric = s && s.kind !== 'categorical' ? s : undefined;
  if (numeric && numeric.min !== null && numeric.max !== null && numeric.infinite === 0 && numeric.max - numeric.min < 4 * c.values.length + 1024) {
    const offsets = integerCodes(c.values, numeric.min, numeric.max);
    if (offsets) return countCodes(offsets.codes, offsets.size);
  }
  const dense = denseCodes(c.values, numeric ? numeric.distinct : undefined);
  return countCodes(dense.codes, dense.size);
}

function countMissing(codes: Int32Array, missing: Int32Array): void {
  for (let i = 0; i < codes.length; i++) if (codes[i] < 0) missing[i]++;
}
