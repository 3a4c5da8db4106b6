// Hashing of float64 values to int32 (for the typed-array hash tables of distinct counts and codes); no allocation per value.

// Hashes are kept as signed int32 (small integers to V8, never boxed); use `>>> k` to read bits unsigned.

/** Murmur3's 32-bit finalizer: a good avalanche for integer inputs. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** 32-bit hash of a float64 given as its two 32-bit words (little-endian: lo first); one multiply, one finalizer. */
export function hashWords(lo: number, hi: number): number {
  return mix32(lo ^ Math.imul(hi, 0x1e3779b1));
}

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

/** 32-bit hash of a number; 0 and -0 hash alike. */
export function hashNumber(v: number): number {
  scratch[0] = v === 0 ? 0 : v;
  return hashWords(scratchWords[0], scratchWords[1]);
}

/** The two 32-bit words of every value of a Float64Array, without copying (index 2i = lo, 2i+1 = hi). */
export function wordsOf(values: Float64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}
