// Distinct count of a numeric column: a bitmap for small integer ranges, a hash set up to a limit, then HyperLogLog.
import { hashWords, wordsOf } from './hash.js';
import { HyperLogLog } from './hll.js';

export interface DistinctCount {
  count: number;
  /** True when `count` is a HyperLogLog estimate (standard error about 0.8 %). */
  estimated: boolean;
}

const BITMAP_RANGE = 1 << 20;

/**
 * Distinct non-missing values (±Infinity count as values; 0 and -0 as one). `min` and `max` are the finite
 * extremes when known (NaN otherwise): integer columns within a range of 2^20 are counted with a bitmap.
 */
export function countDistinct(values: Float64Array, min: number, max: number, limit = 16_384): DistinctCount {
  const exact = exactDistinct(values, min, max, limit);
  if (exact >= 0) return { count: exact, estimated: false };
  return { count: hllDistinct(values), estimated: true };
}

/** The exact stages of countDistinct (bitmap, then hash set): -1 when there are more than `limit` distinct values. */
export function exactDistinct(values: Float64Array, min: number, max: number, limit = 16_384): number {
  if (Number.isInteger(min) && Number.isInteger(max) && max - min < BITMAP_RANGE) {
    const count = bitmapDistinct(values, min, max);
    if (count >= 0) return count;
  }
  return hashSetDistinct(values, limit);
}

/** HyperLogLog estimate (precision 14) over the whole column. */
function hllDistinct(values: Float64Array): number {
  const hll = new HyperLogLog(14);
  const registers = hll.registers;
  const words = wordsOf(values);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    // hashWords, written out: a call per value costs more than the hash itself.
    let h = v === 0 ? 0 : words[2 * i] ^ Math.imul(words[2 * i + 1], 0x1e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const rank = Math.clz32((h << 14) | 0x2000) + 1;
    const r = h >>> 18;
    if (rank > registers[r]) registers[r] = rank;
  }
  return hll.estimate();
}

/** Count with one bit per integer of [min, max]; -1 as soon as a value is not an integer of that range. */
function bitmapDistinct(values: Float64Array, min: number, max: number): number {
  const bits = new Int32Array(((max - min) >>> 5) + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    const o = v - min;
    const k = o | 0;
    if (k !== o || k < 0 || v > max) return -1;
    bits[k >>> 5] |= 1 << (k & 31);
  }
  let count = 0;
  for (let j = 0; j < bits.length; j++) {
    let x = bits[j];
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    count += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return count;
}

/** Exact count with an open-addressing set (NaN marks an empty slot); -1 once more than `limit` are seen. */
function hashSetDistinct(values: Float64Array, limit: number): number {
  let cap = 1024;
  let keys: Float64Array = new Float64Array(cap).fill(NaN);
  let mask = cap - 1;
  let size = 0;
  const words = wordsOf(values);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v !== v) continue;
    if (v === 0) v = 0;
    // hashWords, written out (see hllDistinct).
    let h = v === 0 ? 0 : words[2 * i] ^ Math.imul(words[2 * i + 1], 0x1e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    for (;;) {
      const k = keys[slot];
      if (k === v) break;
      if (k !== k) {
        keys[slot] = v;
        size++;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (size * 2 > cap) {
      if (size > limit) return -1;
      const old = keys;
      cap *= 2;
      mask = cap - 1;
      keys = rehash(old, cap);
    }
  }
  return size;
}

function rehash(old: Float64Array, cap: number): Float64Array {
  const keys = new Float64Array(cap).fill(NaN);
  const mask = cap - 1;
  const oldWords = wordsOf(old);
  for (let j = 0; j < old.length; j++) {
    const k = old[j];
    if (k !== k) continue;
    let slot = hashWords(oldWords[2 * j], oldWords[2 * j + 1]) & mask;
    while (keys[slot] === keys[slot]) slot = (slot + 1) & mask;
    keys[slot] = k;
  }
  return keys;
}
