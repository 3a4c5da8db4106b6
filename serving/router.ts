// A/B routing: a unit key hashes (FNV-1a, 32 bit) to a stable bucket in [0, 10000) that picks the variant.

export type Variant = 'champion' | 'challenger';

export const BUCKETS = 10_000;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the key's UTF-8 bytes, as an unsigned 32-bit integer. */
export function fnv1a32(key: string): number {
  let hash = FNV_OFFSET;
  const bytes = Buffer.from(key, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The key's bucket in [0, BUCKETS); the same key always lands in the same bucket, on every replica. */
export function bucketOf(unitKey: string): number {
  // A final avalanche step spreads keys that differ only in their last characters (e.g. "req-1", "req-2").
  let h = fnv1a32(unitKey);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/** 'challenger' when the key's bucket falls below challengerWeight × BUCKETS, else 'champion'. */
export function chooseVariant(unitKey: string, challengerWeight: number): Variant {
  if (!(challengerWeight > 0)) return 'champion';
  return bucketOf(unitKey) < challengerWeight * BUCKETS ? 'challenger' : 'champion';
}
