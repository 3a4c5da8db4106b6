// Sorting float64 columns fast: an LSD radix sort on the IEEE-754 bits (6 passes of 11 bits), non-finite values dropped.

const RADIX = 2048;
const MASK = RADIX - 1;

/**
 * The finite values of `values` (NaN and ±Infinity dropped), sorted ascending, in a new array (−0 before +0).
 * Faster than Float64Array.prototype.sort on large columns; small inputs use the built-in sort.
 */
export function sortedFinite(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] === 0) n++;
  let a = new Float64Array(n);
  for (let i = 0, j = 0; i < values.length; i++) if (values[i] - values[i] === 0) a[j++] = values[i];
  if (n < 4096) return a.sort();
  let aw = new Int32Array(a.buffer);
  // The bits, mapped so unsigned order is numeric order: negatives flip every bit, positives the sign bit.
  // Six digits: bits 0–10, 11–21, 22–31 of the low word, then of the high word.
  const counts = new Int32Array(6 * RADIX);
  for (let i = 0; i < n; i++) {
    const h0 = aw[2 * i + 1];
    const neg = h0 >> 31; // -1 for negatives, 0 otherwise
    const l = aw[2 * i] ^ neg;
    const h = h0 ^ (neg | 0x80000000);
    counts[l & MASK]++;
    counts[RADIX + ((l >>> 11) & MASK)]++;
    counts[2 * RADIX + (l >>> 22)]++;
    counts[3 * RADIX + (h & MASK)]++;
    counts[4 * RADIX + ((h >>> 11) & MASK)]++;
    counts[5 * RADIX + (h >>> 22)]++;
  }
  let b = new Float64Array(n);
  let bw = new Int32Array(b.buffer);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * RADIX;
    // A digit every value shares needs no pass.
    let skip = false;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d];
      if (c === n) skip = true;
      if (c !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    const high = pass >= 3 ? 1 : 0;
    const shift = (pass % 3) * 11;
    for (let i = 0; i < n; i++) {
      const neg = aw[2 * i + 1] >> 31;
      const word = aw[2 * i + high] ^ (high ? neg | 0x80000000 : neg);
      const slot = counts[base + ((word >>> shift) & MASK)]++;
      b[slot] = a[i];
    }
    [a, b] = [b, a];
    [aw, bw] = [bw, aw];
  }
  return a;
}
