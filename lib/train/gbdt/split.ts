// Best split of a node from its histogram: every bin boundary of every drawn feature, missing values tried on both sides.

import { BIN_SLOTS, MISSING_BIN } from './binning.js';

export interface SplitRules {
  lambda: number;
  minChildWeight: number;
  minSamplesLeaf: number;
  minSplitGain: number;
}

/** A candidate split "value bin ≤ bin goes left"; missing rows go left iff defaultLeft. Left sums kept. */
export interface SplitCandidate {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  /** Whether the node holds missing values of the feature; without them, defaultLeft is settled by the caller (side with more rows). */
  hasMissing: boolean;
  leftG: number;
  leftH: number;
  /** Rows going left, or −1 when the scan knew them only by bounds (see NodeCounts). */
  leftC: number;
}

/**
 * Row counts of a node whose histogram holds [g, h] only (classification): exact missing rows per
 * feature, and exact counts per bin on demand. The scan first bounds a part's rows by its hessian
 * (rows ≥ (hessian sum − slack) / hmax) and counts a feature's rows exactly only when a split that
 * the bound cannot clear would be the best so far, so it picks exactly the split the counted scan picks.
 */
export interface NodeCounts {
  miss: Int32Array;
  /** Largest hessian of any row in the node (an upper bound is enough). */
  hmax: number;
  /** Bound on the rounding error of any hessian sum read from the node's histogram. */
  slack: number;
  /** Fills counts[0..256) with the node's rows per bin code of feature f. */
  binCounts(f: number, counts: Float64Array): void;
}

export function emptyCandidate(): SplitCandidate {
  return { gain: -Infinity, feature: -1, bin: -1, defaultLeft: true, hasMissing: false, leftG: 0, leftH: 0, leftC: 0 };
}

function take(out: SplitCandidate, gain: number, f: number, b: number, defaultLeft: boolean, hasMissing: boolean, lg: number, lh: number, lc: number): void {
  out.gain = gain;
  out.feature = f;
  out.bin = b;
  out.defaultLeft = defaultLeft;
  out.hasMissing = hasMissing;
  out.leftG = lg;
  out.leftH = lh;
  out.leftC = lc;
}

function copyCandidate(to: SplitCandidate, from: SplitCandidate): void {
  take(to, from.gain, from.feature, from.bin, from.defaultLeft, from.hasMissing, from.leftG, from.leftH, from.leftC);
}

const saved = emptyCandidate();
const scratchCounts = new Float64Array(BIN_SLOTS);

/**
 * One feature with exact counts: bin b's rows are cs[co + b·cstep]. Reads the best gain so far
 * from out and updates out.
 */
function scanCounted(
  hist: Float64Array, shift: number, off: number, nb: number, f: number, cs: Float64Array, co: number, cstep: number,
  G: number, H: number, C: number, parent: number, rules: SplitRules, out: SplitCandidate,
): void {
  const { lambda, minChildWeight: mcw, minSamplesLeaf: msl } = rules;
  let bestGain = out.feature < 0 ? rules.minSplitGain : out.gain;
  const mo = off + (MISSING_BIN << shift);
  const mg = hist[mo];
  const mh = hist[mo + 1];
  const mc = cs[co + MISSING_BIN * cstep];
  const hasMissing = mc > 0;
  let cg = 0;
  let ch = 0;
  let cc = 0;
  for (let b = 0; b < nb; b++) {
    const o = off + (b << shift);
    cg += hist[o];
    ch += hist[o + 1];
    cc += cs[co + b * cstep];
    const last = b === nb - 1;
    if (last && !hasMissing) break;
    // Missing right (for the last bin: every value left, only missing rows right).
    let lc = cc;
    let rc = C - lc;
    if (lc >= msl && rc >= msl) {
      const lh = ch;
      const rh = H - lh;
      if (lh >= mcw && rh >= mcw && lh + lambda > 0 && rh + lambda > 0) {
        const lg = cg;
        const rg = G - lg;
        const gain = (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          take(out, gain, f, b, hasMissing ? false : lc >= rc, hasMissing, lg, lh, lc);
        }
      }
    }
    if (!hasMissing || last) continue;
    // Missing left.
    lc = cc + mc;
    rc = C - lc;
    if (lc >= msl && rc >= msl) {
      const lh = ch + mh;
      const rh = H - lh;
      if (lh >= mcw && rh >= mcw && lh + lambda > 0 && rh + lambda > 0) {
        const lg = cg + mg;
        const rg = G - lg;
        const gain = (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          take(out, gain, f, b, true, true, lg, lh, lc);
        }
      }
    }
  }
}

/**
 * One feature of a [g, h] histogram, rows bounded by hessians: a part is surely big enough when its
 * hessian sum is ≥ `need`. Returns false (out possibly changed: restore it) as soon as a split better
 * than the best so far cannot be cleared that way.
 */
function scanBounded(
  hist: Float64Array, off: number, nb: number, f: number, hasMissing: boolean, need: number,
  G: number, H: number, parent: number, rules: SplitRules, out: SplitCandidate,
): boolean {
  const { lambda, minChildWeight: mcw } = rules;
  let bestGain = out.feature < 0 ? rules.minSplitGain : out.gain;
  const mo = off + (MISSING_BIN << 1);
  const mg = hist[mo];
  const mh = hist[mo + 1];
  let cg = 0;
  let ch = 0;
  for (let b = 0; b < nb; b++) {
    const o = off + (b << 1);
    cg += hist[o];
    ch += hist[o + 1];
    const last = b === nb - 1;
    if (last && !hasMissing) break;
    let lh = ch;
    let rh = H - lh;
    if (lh >= mcw && rh >= mcw && lh + lambda > 0 && rh + lambda > 0) {
      const lg = cg;
      const rg = G - lg;
      const gain = (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parent;
      if (gain > bestGain) {
        if (lh < need || rh < need) return false;
        bestGain = gain;
        take(out, gain, f, b, !hasMissing, hasMissing, lg, lh, -1);
      }
    }
    if (!hasMissing || last) continue;
    lh = ch + mh;
    rh = H - lh;
    if (lh >= mcw && rh >= mcw && lh + lambda > 0 && rh + lambda > 0) {
      const lg = cg + mg;
      const rg = G - lg;
      const gain = (lg * lg) / (lh + lambda) + (rg * rg) / (rh + lambda) - parent;
      if (gain > bestGain) {
        if (lh < need || rh < need) return false;
        bestGain = gain;
        take(out, gain, f, b, true, true, lg, lh, -1);
      }
    }
  }
  return true;
}

/**
 * Scans the histogram of a node with sums (G, H, C) and writes the best split into `out`
 * (out.feature = −1 when no split passes the rules). Gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ),
 * kept when > minSplitGain; ties keep the first (lowest feature, lowest bin, missing right first).
 * Row counts come from the histogram's count slot (shift 2), from the hessians (shift 1 without
 * `counts`: every hessian is 1), or from `counts` (shift 1, classification).
 * With no missing rows in the node, missing values later go to the side with more rows (set by the caller when leftC is −1).
 */
export function findBestSplit(
  hist: Float64Array, shift: number, feats: Int32Array, numBins: Int32Array,
  G: number, H: number, C: number, rules: SplitRules, out: SplitCandidate, counts: NodeCounts | null = null,
): void {
  const parent = (G * G) / (H + rules.lambda);
  const slots = 1 << shift;
  out.gain = -Infinity;
  out.feature = -1;
  const need = counts ? rules.minSamplesLeaf * counts.hmax + counts.slack : 0;
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j];
    const off = (f * BIN_SLOTS) << shift;
    if (counts === null) {
      scanCounted(hist, shift, off, numBins[f], f, hist, off + (shift === 2 ? 2 : 1), slots, G, H, C, parent, rules, out);
      continue;
    }
    copyCandidate(saved, out);
    if (scanBounded(hist, off, numBins[f], f, counts.miss[f] > 0, need, G, H, parent, rules, out)) continue;
    copyCandidate(out, saved);
    counts.binCounts(f, scratchCounts);
    scanCounted(hist, 1, off, numBins[f], f, scratchCounts, 0, 1, G, H, C, parent, rules, out);
  }
}
