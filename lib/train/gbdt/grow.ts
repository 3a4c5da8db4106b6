// Grows one regression tree on gradients: leaf-wise or depth-wise, smaller child built, sibling by subtraction.

import { BIN_SLOTS, MISSING_BIN } from './binning.js';
import { countMissing, featuresWithMissing, NodeCounter } from './counts.js';
import { buildHistogram, histogramLength, subtractHistogram } from './histogram.js';
import { buildRootHistogram, countsOf } from './rootHistogram.js';
import { sumGradients, type HistogramInput } from './records.js';
import type { GradientSums } from './gradientPass.js';
import { emptyCandidate, findBestSplit, type SplitCandidate, type SplitRules } from './split.js';
import type { GbdtGrowth } from './types.js';

export interface GrowSettings {
  rules: SplitRules;
  numBins: Int32Array;
  maxDepth: number;
  maxLeaves: number;
  growth: GbdtGrowth;
  learningRate: number;
  /** Classification: histograms hold [g, h] and row counts come from NodeCounts (see split.ts). */
  boundCounts: boolean;
}

/** A tree over bins, struct-of-arrays (node 0 = root); leaves keep their row range in the index buffer. */
export interface GrownTree {
  feature: number[];
  bin: number[];
  defaultLeft: boolean[];
  left: number[];
  right: number[];
  /** Leaf value (learning rate applied, float32-exact); 0 on inner nodes. */
  value: number[];
  gain: number[];
  count: number[];
  /** Per leaf: node id and the range idx[start..end) of its training rows. */
  leaves: { node: number; start: number; end: number }[];
}

interface OpenLeaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array | null;
  /** Missing rows per feature (boundCounts only). */
  miss: Int32Array | null;
  split: SplitCandidate;
}

/** Reusable buffers for growing trees over one binned data set. */
export class TreeGrower {
  private readonly pool: Float64Array[] = [];
  private readonly histLen: number;
  private readonly tmp: Int32Array;
  private readonly goLeft = new Uint8Array(256);
  private readonly counter: NodeCounter;
  private readonly withMissing: Int32Array;

  constructor(private readonly input: HistogramInput, private readonly settings: GrowSettings, rows: number) {
    if (settings.boundCounts && input.shift !== 1) throw new Error('TreeGrower: boundCounts needs [g, h] histograms (shift 1)');
    this.histLen = histogramLength(input.features, input.shift);
    this.tmp = new Int32Array(rows);
    this.counter = new NodeCounter(input);
    this.withMissing = settings.boundCounts ? featuresWithMissing(input) : new Int32Array(0);
  }

  /** Missing rows per feature of the rows idx[start..end) (from the data set's counts when that is every row). */
  private missOf(idx: Int32Array, start: number, end: number): Int32Array {
    const miss = new Int32Array(this.input.features);
    if (end - start === this.input.rows) {
      const counts = countsOf(this.input);
      for (let f = 0; f < miss.length; f++) miss[f] = counts[f * BIN_SLOTS + MISSING_BIN];
    } else {
      countMissing(this.input, idx, start, end, this.withMissing, miss);
    }
    return miss;
  }

  private alloc(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histLen);
  }

  private release(h: Float64Array | null): void {
    if (h) this.pool.push(h);
  }

  /** Stable partition of idx[start..end) by the split (branch-free); returns the first index of the right part. */
  private partition(idx: Int32Array, start: number, end: number, s: SplitCandidate): number {
    const { columns, rows } = this.input;
    const tmp = this.tmp;
    const goLeft = this.goLeft;
    for (let c = 0; c < 256; c++) goLeft[c] = c === MISSING_BIN ? (s.defaultLeft ? 1 : 0) : c <= s.bin ? 1 : 0;
    const col = columns.subarray(s.feature * rows, (s.feature + 1) * rows);
    let w = start;
    let nr = 0;
    for (let k = start; k < end; k++) {
      const r = idx[k];
      const left = goLeft[col[r]];
      idx[w] = r;
      tmp[nr] = r;
      w += left;
      nr += left ^ 1;
    }
    for (let q = 0; q < nr; q++) idx[w + q] = tmp[q];
    return w;
  }

  /**
   * Grows a tree on the rows idx[0..n) (reordered in place) over the features in `feats` (ascending).
   * `sums`: the rows' gradient sums when the caller has them already (else summed here).
   */
  grow(idx: Int32Array, n: number, feats: Int32Array, sums: GradientSums | null = null): GrownTree {
    const { rules, numBins, maxDepth, maxLeaves, growth, learningRate, boundCounts } = this.settings;
    const { shift } = this.input;
    const t: GrownTree = { feature: [], bin: [], defaultLeft: [], left: [], right: [], value: [], gain: [], count: [], leaves: [] };
    const newNode = (count: number): number => {
      t.feature.push(-1);
      t.bin.push(-1);
      t.defaultLeft.push(true);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(0);
      t.gain.push(0);
      t.count.push(count);
      return t.feature.length - 1;
    };
    const splittable = (depth: number, count: number, H: number): boolean =>
      (maxDepth <= 0 || depth < maxDepth) && count >= 2 * rules.minSamplesLeaf && H >= 2 * rules.minChildWeight;
    const { G, H, hmax } = sums ?? sumGradients(this.input, idx, 0, n);
    const evaluate = (leaf: OpenLeaf): void => {
      const counts = leaf.miss ? this.counter.set(idx, leaf.start, leaf.end, leaf.miss, hmax, H, leaf.depth) : null;
      findBestSplit(leaf.hist as Float64Array, shift, feats, numBins, leaf.G, leaf.H, leaf.end - leaf.start, rules, leaf.split, counts);
    };

    const root: OpenLeaf = {
      node: newNode(n), start: 0, end: n, depth: 0, G, H, hist: null, miss: boundCounts ? this.missOf(idx, 0, n) : null, split: emptyCandidate(),
    };
    const done: OpenLeaf[] = [];
    const open: OpenLeaf[] = [];
    if (splittable(0, n, H) && maxLeaves > 1) {
      root.hist = this.alloc();
      if (n === this.input.rows && feats.length === this.input.features) buildRootHistogram(root.hist, this.input);
      else buildHistogram(root.hist, this.input, idx, 0, n, feats);
      evaluate(root);
      if (root.split.feature < 0) {
        this.release(root.hist);
        root.hist = null;
      }
    }
    open.push(root);
    let leaves = 1;
    while (leaves < maxLeaves) {
      let pick = -1;
      for (let i = 0; i < open.length; i++) {
        const c = open[i];
        if (c.split.feature < 0) continue;
        if (pick < 0) pick = i;
        else if (growth === 'leafwise' ? c.split.gain > open[pick].split.gain : c.depth < open[pick].depth) pick = i;
      }
      if (pick < 0) break;
      const p = open[pick];
      open.splice(pick, 1);
      const s = p.split;
      const mid = this.partition(idx, p.start, p.end, s);
      // Without missing rows in the node, missing values go (at prediction) to the side with more rows.
      if (!s.hasMissing) s.defaultLeft = mid - p.start >= p.end - mid;
      const ln = newNode(mid - p.start);
      const rn = newNode(p.end - mid);
      t.feature[p.node] = s.feature;
      t.bin[p.node] = s.bin;
      t.defaultLeft[p.node] = s.defaultLeft;
      t.left[p.node] = ln;
      t.right[p.node] = rn;
      t.gain[p.node] = s.gain;
      leaves++;
      const depth = p.depth + 1;
      const L: OpenLeaf = { node: ln, start: p.start, end: mid, depth, G: s.leftG, H: s.leftH, hist: null, miss: null, split: emptyCandidate() };
      const R: OpenLeaf = { node: rn, start: mid, end: p.end, depth, G: p.G - s.leftG, H: p.H - s.leftH, hist: null, miss: null, split: emptyCandidate() };
      const more = leaves < maxLeaves;
      const splitL = more && splittable(depth, mid - p.start, L.H);
      const splitR = more && splittable(depth, p.end - mid, R.H);
      if (splitL || splitR) {
        const [small, large] = mid - p.start <= p.end - mid ? [L, R] : [R, L];
        small.hist = this.alloc();
        const miss = p.miss ? new Int32Array(this.input.features) : null;
        const counted = buildHistogram(small.hist, this.input, idx, small.start, small.end, feats, this.withMissing, miss);
        subtractHistogram(p.hist as Float64Array, small.hist, feats, numBins, shift);
        large.hist = p.hist;
        if (p.miss) {
          small.miss = counted && miss ? miss : this.missOf(idx, small.start, small.end);
          for (let f = 0; f < p.miss.length; f++) p.miss[f] -= small.miss[f];
          large.miss = p.miss;
        }
        if (splitL) evaluate(L);
        if (splitR) evaluate(R);
      } else {
        this.release(p.hist);
      }
      p.hist = null;
      for (const c of [L, R]) {
        if (c.hist && c.split.feature < 0) {
          this.release(c.hist);
          c.hist = null;
        }
        (c.hist ? open : done).push(c);
      }
    }
    for (const leaf of [...open, ...done]) {
      this.release(leaf.hist);
      leaf.hist = null;
      const v = leaf.H + rules.lambda > 0 ? (-leaf.G / (leaf.H + rules.lambda)) * learningRate : 0;
      t.value[leaf.node] = Math.fround(v);
      t.leaves.push({ node: leaf.node, start: leaf.start, end: leaf.end });
    }
    return t;
  }
}
