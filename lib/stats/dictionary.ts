// Dictionary encoding of a categorical column (codes + distinct values + counts): later checks work per distinct value.

export interface EncodedColumn {
  /** Per row: index into `dictionary`, or -1 for a missing value. */
  codes: Int32Array;
  /** Distinct values in first-seen order. */
  dictionary: string[];
  /** Rows per dictionary entry. */
  counts: Int32Array;
  nulls: number;
}

const CACHE_SLOTS = 1024;

/**
 * One pass. A Map lookup per row costs ~20 ns, so a small direct-mapped cache sits in front of it: the slot
 * comes from the length and four characters of the value, and a hit needs the slot to hold an equal string
 * (identical object: one pointer compare). Misses fall back to the Map; correctness never rests on the cache.
 */
export function encodeCategorical(values: readonly (string | null)[]): EncodedColumn {
  const n = values.length;
  const codes = new Int32Array(n);
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const cachedValue: (string | null)[] = new Array<string | null>(CACHE_SLOTS).fill(null);
  const cachedCode = new Int32Array(CACHE_SLOTS);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    const len = v.length;
    const mix = len === 0 ? 0 : len ^ (v.charCodeAt(0) << 8) ^ (v.charCodeAt(len - 1) << 16) ^ (v.charCodeAt(len >> 1) << 24) ^ v.charCodeAt((len * 3) >> 2);
    const slot = Math.imul(mix, 0x9e3779b1) >>> 22;
    if (cachedValue[slot] === v) {
      codes[i] = cachedCode[slot];
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(v);
    }
    cachedValue[slot] = v;
    cachedCode[slot] = code;
    codes[i] = code;
  }
  const counts = new Int32Array(dictionary.length);
  const nulls = countCodes(codes, counts);
  return { codes, dictionary, counts, nulls };
}

/** Rows per code into `counts`; returns the number of missing rows (code -1). */
function countCodes(codes: Int32Array, counts: Int32Array): number {
  let nulls = 0;
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (k < 0) nulls++;
    else counts[k]++;
  }
  return nulls;
}

/**
 * Encodings shared by the steps of one validation run (profile, schema checks, expectations, skew), so each
 * categorical column is encoded once. Keyed by the values array: tables are not mutated while it is in use.
 */
export class EncodingCache {
  private readonly encoded = new WeakMap<readonly (string | null)[], EncodedColumn>();

  get(values: readonly (string | null)[]): EncodedColumn {
    let e = this.encoded.get(values);
    if (!e) {
      e = encodeCategorical(values);
      this.encoded.set(values, e);
    }
    return e;
  }
}

/** The cache's encoding when a cache is given, else a fresh one. */
export function encoded(values: readonly (string | null)[], cache?: EncodingCache): EncodedColumn {
  return cache ? cache.get(values) : encodeCategorical(values);
}
