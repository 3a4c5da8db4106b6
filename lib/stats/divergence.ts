// Distances between two distributions given as counts on shared bins: Jensen–Shannon (base 2) and L-infinity.

/** Total counts of both sides (bins must match). */
function masses(p: ArrayLike<number>, q: ArrayLike<number>): [number, number] {
  if (p.length !== q.length) throw new RangeError(`bins differ: ${p.length} and ${q.length}`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  return [sp, sq];
}

/**
 * Jensen–Shannon distance: sqrt of the JS divergence with base-2 logarithms, so it lies in [0, 1]
 * (0: same distribution, 1: disjoint supports). Counts are normalized; NaN when a side has no mass.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [sp, sq] = masses(p, q);
  if (sp <= 0 || sq <= 0) return NaN;
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * Math.log2(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.min(1, Math.max(0, divergence)));
}

/** Largest absolute difference between the two normalized distributions (TFDV's categorical skew measure). */
export function lInfinityDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [sp, sq] = masses(p, q);
  if (sp <= 0 || sq <= 0) return NaN;
  let d = 0;
  for (let i = 0; i < p.length; i++) d = Math.max(d, Math.abs(p[i] / sp - q[i] / sq));
  return d;
}
