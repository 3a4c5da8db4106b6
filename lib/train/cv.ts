// Seeded randomness (mulberry32) and stratified splits: k-fold and train/test.

/** A deterministic PRNG returning floats in [0, 1), from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** Row indices grouped by label value, groups in ascending label order, each shuffled. */
function shuffledGroups(labels: ArrayLike<number>, rand: () => number): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups.get(labels[i]);
    if (g) g.push(i);
    else groups.set(labels[i], [i]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((key) => shuffleInPlace(groups.get(key) as number[], rand));
}

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

function complement(n: number, test: number[]): Split {
  const inTest = new Uint8Array(n);
  for (const i of test) inTest[i] = 1;
  const train: number[] = [];
  for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test).sort() };
}

/**
 * Stratified k-fold: each class's rows are shuffled and dealt round-robin to the folds, the
 * dealing position carrying over between classes so fold sizes differ by at most one.
 * Every row is in exactly one test fold; indices are ascending.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): Split[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2) throw new Error(`stratifiedKFold: k must be an integer ≥ 2, got ${k}`);
  if (k > n) throw new Error(`stratifiedKFold: k=${k} exceeds the ${n} rows`);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let pos = 0;
  for (const group of shuffledGroups(labels, mulberry32(seed))) {
    for (const i of group) {
      folds[pos].push(i);
      pos = (pos + 1) % k;
    }
  }
  return folds.map((test) => complement(n, test));
}

/**
 * Stratified train/test split: round(n · testFraction) test rows, shared among classes in
 * proportion to their sizes (largest-remainder rounding). Indices are ascending.
 */
export function trainTestSplit(labels: ArrayLike<number>, testFraction: number, seed: number): Split {
  const n = labels.length;
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`trainTestSplit: testFraction must be in (0, 1), got ${testFraction}`);
  const groups = shuffledGroups(labels, mulberry32(seed));
  const total = Math.round(n * testFraction);
  const exact = groups.map((g) => (g.length * total) / n);
  const take = exact.map(Math.floor);
  let left = total - take.reduce((s, v) => s + v, 0);
  const order = exact.map((e, gi) => gi).sort((a, b) => exact[b] - take[b] - (exact[a] - take[a]) || a - b);
  for (const gi of order) {
    if (left <= 0) break;
    if (take[gi] < groups[gi].length) {
      take[gi]++;
      left--;
    }
  }
  const test: number[] = [];
  groups.forEach((g, gi) => test.push(...g.slice(0, take[gi])));
  return complement(n, test);
}
