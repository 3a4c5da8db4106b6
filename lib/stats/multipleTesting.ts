// Multiple-testing corrections of one window's p-values: Holm (family-wise error) and Benjamini–Hochberg (false discovery rate).

export type Correction = 'holm' | 'bh' | 'none';

/** Adjusted p-values, in the input's order (as statsmodels' multipletests 'holm' and 'fdr_bh'); NaN stays NaN. */
export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  const index = pValues.map((p, i) => ({ p, i })).filter((x) => !Number.isNaN(x.p));
  const out = pValues.map(() => NaN);
  const m = index.length;
  if (correction === 'none') {
    for (const { p, i } of index) out[i] = p;
    return out;
  }
  index.sort((a, b) => a.p - b.p);
  if (correction === 'holm') {
    // Step-down: the k-th smallest (from 0) times m − k, kept monotone.
    let running = 0;
    index.forEach(({ p, i }, k) => {
      running = Math.max(running, Math.min(1, (m - k) * p));
      out[i] = running;
    });
    return out;
  }
  // Step-up: the k-th smallest (from 1) times m / k, kept monotone from the largest down.
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { p, i } = index[k];
    running = Math.min(running, (m / (k + 1)) * p);
    out[i] = Math.min(1, running);
  }
  return out;
}
