// Quantiles without sorting a whole column: a fine equal-width histogram, then an exact look only inside dense bins.

/** Sub-bins per histogram bin: a profile's fine histogram has bins × FINE_PER_BIN equal-width cells. */
export const FINE_SHIFT = 7;
export const FINE_PER_BIN = 1 << FINE_SHIFT;

/** Columns with at most this many finite values get exact quantiles (their values are copied and sorted). */
export const EXACT_QUANTILE_LIMIT = 16_384;

/** Fine cells holding more than this fraction of the values are looked into exactly (bounds the rank error). */
const DENSE_CELL = 0.0025;

/** Scale of an equal-width binning of [lo, hi] into `cells` cells: cell = min(cells-1, floor((v - lo) · scale)). */
export function cellScale(lo: number, hi: number, cells: number): number {
  return hi > lo ? cells / (hi - lo) : 0;
}

/** Counts of finite values per cell of [lo, hi] (values outside are ignored). */
export function cellCounts(values: Float64Array, lo: number, hi: number, cells: number): Int32Array {
  const counts = new Int32Array(cells);
  const scale = cellScale(lo, hi, cells);
  const last = cells - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    let c = ((v - lo) * scale) | 0;
    if (c > last) c = last;
    counts[c]++;
  }
  return counts;
}

/** Numpy's default ('linear') quantile of a sorted, finite array. */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const r = p * (sorted.length - 1);
  const k = Math.floor(r);
  const k1 = Math.min(k + 1, sorted.length - 1);
  return sorted[k] + (r - k) * (sorted[k1] - sorted[k]);
}

/** The k-th smallest (0-based) of finite values, exactly; sorts only small sets, else narrows by histogram. */
export function selectKth(values: Float64Array, k: number): number {
  if (values.length <= EXACT_QUANTILE_LIMIT) return values.slice().sort()[k];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) return lo;
  const cells = 4096;
  const counts = cellCounts(values, lo, hi, cells);
  let before = 0;
  let cell = 0;
  while (before + counts[cell] <= k) before += counts[cell++];
  const scale = cellScale(lo, hi, cells);
  const inside = new Float64Array(counts[cell]);
  for (let i = 0, j = 0; i < values.length; i++) {
    const v = values[i];
    let c = ((v - lo) * scale) | 0;
    if (c > cells - 1) c = cells - 1;
    if (c === cell) inside[j++] = v;
  }
  return selectKth(inside, k - before);
}

/**
 * Quantiles (numpy 'linear' definition) of the finite values of `values`, given their counts per cell of
 * [lo, hi] (from cellCounts or an equivalent pass). A rank falling in a sparse cell is interpolated inside it
 * (rank error below 0.25 %); ranks in dense cells are resolved exactly with one more pass over the column.
 */
export function quantilesFromCells(values: Float64Array, counts: Int32Array, lo: number, hi: number, probs: readonly number[]): number[] {
  const cells = counts.length;
  let n = 0;
  for (let c = 0; c < cells; c++) n += counts[c];
  if (n === 0) return probs.map(() => NaN);
  if (n <= EXACT_QUANTILE_LIMIT) {
    const finite = new Float64Array(n);
    for (let i = 0, j = 0; i < values.length; i++) if (values[i] >= lo && values[i] <= hi) finite[j++] = values[i];
    finite.sort();
    return probs.map((p) => sortedQuantile(finite, p));
  }
  const width = hi > lo ? (hi - lo) / cells : 0;
  // Cumulative count before each cell.
  const before = new Float64Array(cells + 1);
  for (let c = 0; c < cells; c++) before[c + 1] = before[c] + counts[c];
  const cellOf = (k: number): number => {
    let a = 0;
    let b = cells - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before[mid + 1] <= k) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  const ranks: number[] = [];
  for (const p of probs) {
    const r = p * (n - 1);
    ranks.push(Math.floor(r), Math.min(Math.floor(r) + 1, n - 1));
  }
  const dense = new Map<number, Float64Array>();
  for (const k of ranks) {
    const c = cellOf(k);
    if (counts[c] > DENSE_CELL * n && width > 0) dense.set(c, new Float64Array(counts[c]));
  }
  if (dense.size > 0) collectCells(values, lo, hi, cells, dense);
  const sortedCells = new Set<number>();
  const valueAt = (k: number): number => {
    const c = cellOf(k);
    const inside = dense.get(c);
    if (inside) {
      if (!sortedCells.has(c) && inside.length <= EXACT_QUANTILE_LIMIT) {
        inside.sort();
        sortedCells.add(c);
      }
      return sortedCells.has(c) ? inside[k - before[c]] : selectKth(inside, k - before[c]);
    }
    if (width === 0) return lo;
    return lo + (c + (k - before[c] + 0.5) / counts[c]) * width;
  };
  return probs.map((p) => {
    const r = p * (n - 1);
    const k = Math.floor(r);
    const x0 = valueAt(k);
    if (r === k) return x0;
    return x0 + (r - k) * (valueAt(Math.min(k + 1, n - 1)) - x0);
  });
}

function collectCells(values: Float64Array, lo: number, hi: number, cells: number, dense: Map<number, Float64Array>): void {
  const slotOf = new Int32Array(cells).fill(-1);
  const buffers: Float64Array[] = [];
  const fill: number[] = [];
  for (const [c, buf] of dense) {
    slotOf[c] = buffers.length;
    buffers.push(buf);
    fill.push(0);
  }
  const scale = cellScale(lo, hi, cells);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    let c = ((v - lo) * scale) | 0;
    if (c > cells - 1) c = cells - 1;
    const s = slotOf[c];
    if (s >= 0) buffers[s][fill[s]++] = v;
  }
}
