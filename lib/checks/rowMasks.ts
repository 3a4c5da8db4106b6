// Row-mask kernels for row-wise checks: count in one pass, mark failing rows only when some fail. Typed arrays only.

/** Failing rows of a check: how many, and (when any) a 0/1 mask per row. */
export interface RowFailures {
  count: number;
  mask: Uint8Array | null;
}

const NONE: RowFailures = { count: 0, mask: null };

function countNaN(values: Float64Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) count++;
  return count;
}

function markNaN(values: Float64Array, mask: Uint8Array): void {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) mask[i] = 1;
}

/** Rows whose value is missing (NaN). */
export function missingRows(values: Float64Array): RowFailures {
  const count = countNaN(values);
  if (count === 0) return NONE;
  const mask = new Uint8Array(values.length);
  markNaN(values, mask);
  return { count, mask };
}

function countOutside(values: Float64Array, lo: number, hi: number): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) count++;
  }
  return count;
}

function markOutside(values: Float64Array, lo: number, hi: number, mask: Uint8Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) mask[i] = 1;
  }
}

/** Rows whose value lies outside [lo, hi] (missing values never fail). */
export function outsideRows(values: Float64Array, lo: number, hi: number): RowFailures {
  const count = countOutside(values, lo, hi);
  if (count === 0) return NONE;
  const mask = new Uint8Array(values.length);
  markOutside(values, lo, hi, mask);
  return { count, mask };
}

function markFlagged(codes: Int32Array, bad: Uint8Array, nullBad: number, mask: Uint8Array): void {
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    mask[i] = k < 0 ? nullBad : bad[k];
  }
}

/** A column as codes with rows per code (a dictionary-encoded column, or dense codes with their counts). */
export interface CountedCodes {
  codes: Int32Array;
  /** Rows per code. */
  counts: ArrayLike<number>;
  /** Rows with code -1 (missing). */
  nulls: number;
}

/**
 * Rows whose code is flagged bad (bad[k] = 1); missing rows (code -1) fail when nullBad is 1. The count
 * comes from the per-code counts, so a passing check never reads the rows; the mask is built only on failure.
 */
export function flaggedRows(column: CountedCodes, bad: Uint8Array, nullBad: 0 | 1): RowFailures {
  let count = nullBad ? column.nulls : 0;
  for (let k = 0; k < bad.length; k++) if (bad[k]) count += column.counts[k];
  if (count === 0) return NONE;
  const mask = new Uint8Array(column.codes.length);
  markFlagged(column.codes, bad, nullBad, mask);
  return { count, mask };
}

/** Rows per code (codes ≥ -1, `size` distinct) and the number of missing rows. */
export function countCodes(codes: Int32Array, size: number): CountedCodes {
  const counts = new Int32Array(size);
  let nulls = 0;
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (k < 0) nulls++;
    else counts[k]++;
  }
  return { codes, counts, nulls };
}

/** Flags of the codes that occur more than once (for uniqueness). */
export function repeatedCodes(counts: ArrayLike<number>): Uint8Array {
  const flags = new Uint8Array(counts.length);
  for (let k = 0; k < counts.length; k++) flags[k] = counts[k] > 1 ? 1 : 0;
  return flags;
}

/** Rows whose value is missing (NaN), when `count` of them are known to be (e.g. from a profile). */
export function missingRowsCounted(values: Float64Array, count: number): RowFailures {
  if (count === 0) return NONE;
  const mask = new Uint8Array(values.length);
  markNaN(values, mask);
  return { count, mask };
}

/** Indices (0-based) of the first `limit` failing rows. */
export function firstRows(mask: Uint8Array | null, limit = 5): number[] {
  const out: number[] = [];
  if (!mask) return out;
  for (let i = 0; i < mask.length && out.length < limit; i++) if (mask[i]) out.push(i);
  return out;
}

/** Union of masks (OR) and its count. */
export function unionMasks(masks: readonly Uint8Array[], rows: number): RowFailures {
  if (masks.length === 0) return NONE;
  const mask = new Uint8Array(rows);
  for (const m of masks) for (let i = 0; i < rows; i++) mask[i] |= m[i];
  let count = 0;
  for (let i = 0; i < rows; i++) count += mask[i];
  return count === 0 ? NONE : { count, mask };
}
