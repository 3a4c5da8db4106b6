// Sorting a column of whole numbers in a narrow range by counting (no comparisons, no scatter passes): heavy-tie columns.

/** A counting sort pays off while the range of values is at most this many times the number of values… */
const RANGE_PER_VALUE = 2;
/** …and at most this many buckets (64 MiB of counts). */
const MAX_RANGE = 1 << 24;

/** True when `n` whole numbers spanning [min, max] are cheaper to count than to radix sort. */
export function countable(n: number, min: number, max: number): boolean {
  const range = max - min + 1;
  return n > 0 && range <= MAX_RANGE && range <= RANGE_PER_VALUE * n;
}

/**
 * Writes the finite values of `values` (every one a whole number in [min, max], no −0) into out[0..n) in
 * ascending order: one counting pass, one pass over the buckets.
 */
export function countingSortInto(values: Float64Array, out: Float64Array, n: number, min: number, max: number): Float64Array {
  const counts = new Int32Array(max - min + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v === 0) counts[v - min]++;
  }
  let k = 0;
  for (let b = 0; b < counts.length; b++) {
    const end = k + counts[b];
    const v = min + b;
    while (k < end) out[k++] = v;
  }
  if (k !== n) throw new RangeError(`counting sort placed ${k} of ${n} values`);
  return out.subarray(0, n);
}
