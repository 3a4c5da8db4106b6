// Integer codes for the values of a column (dense or offset), and for combinations of columns: typed-array hash tables.
import { hashNumber, wordsOf } from './hash.js';

function capacityFor(n: number): number {
  let cap = 16;
  while (cap < n * 2) cap *= 2;
  return cap;
}

/** Dense codes of a column's values. */
export interface DenseCodes {
  /** Per row: 0, 1, 2, … in first-seen order of the distinct values; -1 for a missing value. */
  codes: Int32Array;
  /** Number of distinct values. */
  size: number;
}

/**
 * Dense codes of a numeric column (NaN = missing; 0 and -0 are one value); one hash-table pass. Give the
 * expected number of distinct values when known (e.g. from a profile) to spare the table's regrowth.
 */
export function denseCodes(values: Float64Array, expectedDistinct = 512): DenseCodes {
  const n = values.length;
  const codes = new Int32Array(n);
  const words = wordsOf(values);
  let cap = capacityFor(Math.min(Math.max(16, expectedDistinct), n + 1));
  let keys: Float64Array = new Float64Array(cap).fill(NaN);
  let ids: Int32Array = new Int32Array(cap);
  let size = 0;
  for (let i = 0; i < n; i++) {
    let v = values[i];
    if (v !== v) {
      codes[i] = -1;
      continue;
    }
    if (v === 0) v = 0;
    // hashWords, written out: a call per value costs more than the hash itself.
    let h = v === 0 ? 0 : words[2 * i] ^ Math.imul(words[2 * i + 1], 0x1e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const mask = cap - 1;
    let slot = h & mask;
    for (;;) {
      const k = keys[slot];
      if (k === v) {
        codes[i] = ids[slot];
        break;
      }
      if (k !== k) {
        keys[slot] = v;
        ids[slot] = size;
        codes[i] = size++;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (size * 2 > cap) {
      const oldKeys = keys;
      const oldIds = ids;
      cap *= 2;
      keys = new Float64Array(cap).fill(NaN);
      ids = new Int32Array(cap);
      for (let j = 0; j < oldKeys.length; j++) {
        const k = oldKeys[j];
        if (k !== k) continue;
        let s = hashNumber(k) & (cap - 1);
        while (keys[s] === keys[s]) s = (s + 1) & (cap - 1);
        keys[s] = k;
        ids[s] = oldIds[j];
      }
    }
  }
  return { codes, size };
}

/**
 * Dense codes of row-wise pairs (a[i], b[i]) of two code columns (codes ≥ -1; -1, a missing value, is a value
 * of its own here): the codes of a combination of columns are built by folding this over them.
 */
export function combineCodes(a: Int32Array, b: Int32Array): DenseCodes {
  const n = a.length;
  const cap = capacityFor(Math.max(n, 8));
  const mask = cap - 1;
  const keyA = new Int32Array(cap).fill(-2);
  const keyB = new Int32Array(cap);
  const ids = new Int32Array(cap);
  const codes = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    let h = Math.imul(x + 1, 0x1e3779b1) ^ (y + 1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    for (;;) {
      const k = keyA[slot];
      if (k === x && keyB[slot] === y) {
        codes[i] = ids[slot];
        break;
      }
      if (k === -2) {
        keyA[slot] = x;
        keyB[slot] = y;
        ids[slot] = size;
        codes[i] = size++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { codes, size };
}

/**
 * Codes v − min for a column of integers within [min, max] (NaN = missing, code -1): no hashing at all.
 * Null when some value is not such an integer. `size` is max − min + 1 (codes need not all occur).
 */
export function integerCodes(values: Float64Array, min: number, max: number): DenseCodes | null {
  if (!Number.isInteger(min) || !Number.isInteger(max) || max - min >= 2 ** 30) return null;
  const codes = new Int32Array(values.length);
  return offsetKernel(values, min, max - min, codes) ? { codes, size: max - min + 1 } : null;
}

function offsetKernel(values: Float64Array, min: number, span: number, codes: Int32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      codes[i] = -1;
      continue;
    }
    const o = v - min;
    const k = o | 0;
    if (k !== o || k < 0 || k > span) return false;
    codes[i] = k;
  }
  return true;
}
