// Sorting float64 columns fast: three LSD radix passes on the highest varying key digits, then the runs they leave tied put in order.
import { countable, countingSortInto } from './countingSort.js';

const RADIX = 2048;
const MASK = RADIX - 1;
/** Below this many values the built-in sort is as fast. */
const SMALL = 4096;
/** In the run-by-run fallback, runs up to this long are finished by insertion; longer ones by the built-in sort. */
const INSERTION_RUN = 48;

/** Reusable buffers for sortFiniteInto: two arrays at least as long as the longest column. */
export interface SortScratch {
  out: Float64Array;
  tmp: Float64Array;
}

export function sortScratch(length: number): SortScratch {
  return { out: new Float64Array(length), tmp: new Float64Array(length) };
}

/**
 * The finite values of `values` (NaN and ±Infinity dropped), sorted ascending, in a new array (−0 before +0).
 * Faster than Float64Array.prototype.sort on large columns; small inputs use the built-in sort. `tmp`: a
 * reusable buffer at least as long as `values` (else one is allocated).
 */
export function sortedFinite(values: Float64Array, tmp?: Float64Array): Float64Array {
  const sorted = sortFiniteInto(values, { out: new Float64Array(values.length), tmp: tmp && tmp.length >= values.length ? tmp : new Float64Array(values.length) });
  return sorted.buffer.byteLength === sorted.byteLength ? sorted : sorted.slice();
}

/**
 * As sortedFinite, into scratch.out (the result is a view on it, valid until the scratch is reused).
 * The key of a value is its IEEE-754 bits mapped so unsigned order is numeric order (negatives flip every bit,
 * positives the sign bit), six 11-bit digits. LSD passes on the three highest digits that vary (a digit every
 * value shares orders nothing) sort by the key bits from the lowest of them up — for most real columns the
 * sign, exponent and 20 mantissa bits; values tied on those bits then lie together and are put in order by
 * one insertion sweep (in a continuous column such runs are one or two values long), or run by run when the
 * sweep would move more than a quarter of the values.
 */
export function sortFiniteInto(values: Float64Array, scratch: SortScratch): Float64Array {
  const len = values.length;
  if (scratch.out.length < len || scratch.tmp.length < len) throw new RangeError(`sort scratch holds ${scratch.out.length} values, the column ${len}`);
  const vw = new Int32Array(values.buffer, values.byteOffset, 2 * len);
  const range = wholeRange(values, len);
  if (range && countable(range.n, range.min, range.max)) return countingSortInto(values, scratch.out, range.n, range.min, range.max);
  const counts = new Int32Array(6 * RADIX);
  let n = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if (v - v !== 0) continue; // NaN or ±Infinity
    n++;
    const h0 = vw[2 * i + 1];
    const neg = h0 >> 31;
    const l = vw[2 * i] ^ neg;
    const h = h0 ^ (neg | 0x80000000);
    counts[l & MASK]++;
    counts[RADIX + ((l >>> 11) & MASK)]++;
    counts[2 * RADIX + (l >>> 22)]++;
    counts[3 * RADIX + (h & MASK)]++;
    counts[4 * RADIX + ((h >>> 11) & MASK)]++;
    counts[5 * RADIX + (h >>> 22)]++;
  }
  // The three highest digits that vary (a digit every value shares orders nothing), lowest first.
  const passes: number[] = [];
  for (let digit = 5; digit >= 0 && passes.length < 3; digit--) {
    if (!sharedDigit(counts, digit * RADIX, n)) passes.unshift(digit);
  }
  // Ping-pong so that the last pass writes into out; a column with non-finite values is first compacted.
  let dst = passes.length % 2 === 1 ? scratch.out : scratch.tmp;
  let other = dst === scratch.out ? scratch.tmp : scratch.out;
  let src = values;
  if (n < len || n < SMALL || passes.length === 0) {
    const compact = passes.length === 0 || n < SMALL ? scratch.out : other;
    for (let i = 0, j = 0; i < len; i++) if (values[i] - values[i] === 0) compact[j++] = values[i];
    if (n < SMALL) {
      scratch.out.subarray(0, n).sort();
      return scratch.out.subarray(0, n);
    }
    src = compact;
  }
  for (const digit of passes) {
    const base = digit * RADIX;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    // Two values per step: their scatters are independent, so the CPU overlaps them.
    const shift = (digit % 3) * 11;
    const off = counts.subarray(base, base + RADIX);
    const sw = new Int32Array(src.buffer, src.byteOffset, 2 * src.length);
    const odd = n & 1;
    if (digit >= 3) {
      for (let i = 0; i < n - odd; i += 2) {
        const h = sw[2 * i + 1];
        const g = sw[2 * i + 3];
        const a = src[i];
        const b = src[i + 1];
        dst[off[((h ^ ((h >> 31) | 0x80000000)) >>> shift) & MASK]++] = a;
        dst[off[((g ^ ((g >> 31) | 0x80000000)) >>> shift) & MASK]++] = b;
      }
      if (odd) {
        const h = sw[2 * n - 1];
        dst[off[((h ^ ((h >> 31) | 0x80000000)) >>> shift) & MASK]++] = src[n - 1];
      }
    } else {
      for (let i = 0; i < n - odd; i += 2) {
        const l = sw[2 * i] ^ (sw[2 * i + 1] >> 31);
        const m = sw[2 * i + 2] ^ (sw[2 * i + 3] >> 31);
        const a = src[i];
        const b = src[i + 1];
        dst[off[(l >>> shift) & MASK]++] = a;
        dst[off[(m >>> shift) & MASK]++] = b;
      }
      if (odd) {
        const l = sw[2 * n - 2] ^ (sw[2 * n - 1] >> 31);
        dst[off[(l >>> shift) & MASK]++] = src[n - 1];
      }
    }
    src = dst;
    [dst, other] = [other, dst];
  }
  const out = scratch.out.subarray(0, n);
  // Every digit above the lowest pass is sorted or shared: values agreeing on the key bits from there up lie together.
  finishRuns(out, passes.length === 0 ? 64 : passes[0] * 11);
  return out;
}

/**
 * For a column of whole numbers (no −0, which must come before +0): how many finite values, their min and max.
 * Null as soon as a value is not whole; columns whose first values are not whole are not scanned.
 */
function wholeRange(values: Float64Array, len: number): { n: number; min: number; max: number } | null {
  for (let i = 0, seen = 0; i < len && seen < 256; i++) {
    const v = values[i];
    if (v - v !== 0) continue;
    if (v !== Math.floor(v)) return null;
    seen++;
  }
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if (v - v !== 0) continue;
    if (v !== Math.floor(v) || (v === 0 && 1 / v < 0)) return null;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { n, min, max };
}

function sharedDigit(counts: Int32Array, base: number, n: number): boolean {
  for (let d = 0; d < RADIX; d++) {
    const c = counts[base + d];
    if (c !== 0) return c === n;
  }
  return true;
}

/**
 * Orders each run of values that agree on their key bits from `bit` up (the array is sorted by those bits):
 * one insertion-sort sweep (values of different runs are already in order), unless that would move many
 * values — then run by run, long runs by the built-in sort.
 */
function finishRuns(a: Float64Array, bit: number): void {
  if (bit === 0) return;
  const budget = (a.length >> 2) + 1024;
  let moves = 0;
  let prev = a[0];
  for (let i = 1; i < a.length; i++) {
    const v = a[i];
    if (v >= prev) {
      prev = v;
      continue;
    }
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
    moves += i - 1 - j;
    if (moves > budget) return finishRunByRun(a, bit);
  }
}

function finishRunByRun(a: Float64Array, bit: number): void {
  const aw = new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
  const n = a.length;
  const highShift = Math.max(0, bit - 32);
  const lowShift = Math.min(bit, 32);
  let s = 0;
  while (s < n) {
    const h = aw[2 * s + 1] >>> highShift;
    const l = lowShift === 32 ? 0 : aw[2 * s] >>> lowShift;
    let e = s + 1;
    while (e < n && aw[2 * e + 1] >>> highShift === h && (lowShift === 32 || aw[2 * e] >>> lowShift === l)) e++;
    if (e - s > INSERTION_RUN) {
      let sorted = true;
      for (let i = s + 1; i < e && sorted; i++) sorted = a[i - 1] <= a[i];
      if (!sorted) a.subarray(s, e).sort();
    } else if (e - s > 1) {
      for (let i = s + 1; i < e; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= s && a[j] > v) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
    }
    s = e;
  }
}
