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
  leftG: number;
  leftH: number;
  leftC: number;
}

export function emptyCandidate(): SplitCandidate {
  return { gain: -Infinity, feature: -1, bin: -1, defaultLeft: true, leftG: 0, leftH: 0, leftC: 0 };
}

/**
 * Scans the histogram of a node with sums (G, H, C) and writes the best split into `out`
 * (out.feature = −1 when no split passes the rules). Gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ),
 * kept when > minSplitGain; ties keep the first (lowest feature, lowest bin, missing right first).
 * With no missing rows in the node, missing values later go to the side with more rows.
 */
export function findBestSplit(
  hist: Float64Array, shift: number, feats: Int32Array, numBins: Int32Array,
  G: number, H: number, C: number, rules: SplitRules, out: SplitCandidate,
): void {
  const { lambda, minChildWeight: mcw, minSamplesLeaf: msl } = rules;
  const parent = (G * G) / (H + lambda);
  const countSlot = shift === 2 ? 2 : 1;
  let bestGain = rules.minSplitGain;
  out.gain = -Infinity;
  out.feature = -1;
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j];
    const nb = numBins[f];
    const off = (f * BIN_SLOTS) << shift;
    const mo = off + (MISSING_BIN << shift);
    const mg = hist[mo];
    const mh = hist[mo + 1];
    const mc = hist[mo + countSlot];
    const hasMissing = mc > 0;
    let cg = 0;
    let ch = 0;
    let cc = 0;
    for (let b = 0; b < nb; b++) {
      const o = off + (b << shift);
      cg += hist[o];
      ch += hist[o + 1];
      cc += hist[o + countSlot];
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
            out.gain = gain;
            out.feature = f;
            out.bin = b;
            out.defaultLeft = hasMissing ? false : lc >= rc;
            out.leftG = lg;
            out.leftH = lh;
            out.leftC = lc;
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
            out.gain = gain;
            out.feature = f;
            out.bin = b;
            out.defaultLeft = true;
            out.leftG = lg;
            out.leftH = lh;
            out.leftC = lc;
          }
        }
      }
    }
  }
}
