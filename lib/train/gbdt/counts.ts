// Exact row counts for classification nodes, whose histograms hold only [g, h]: missing rows per feature, bin counts on demand.

import { MISSING_BIN } from './binning.js';
import type { HistogramInput } from './records.js';
import type { NodeCounts } from './split.js';

/** Features that have a missing value somewhere in the training rows (the others never do in any node). */
export function featuresWithMissing(input: HistogramInput): Int32Array {
  const { columns, rows, features } = input;
  const out: number[] = [];
  for (let f = 0; f < features; f++) {
    const base = f * rows;
    for (let i = 0; i < rows; i++) {
      if (columns[base + i] === MISSING_BIN) {
        out.push(f);
        break;
      }
    }
  }
  return Int32Array.from(out);
}

/** Missing rows per feature over rows idx[start..end) into out (features not in `withMissing` get 0). */
export function countMissing(input: HistogramInput, idx: Int32Array, start: number, end: number, withMissing: Int32Array, out: Int32Array): void {
  const { columns, rows } = input;
  out.fill(0);
  for (let j = 0; j < withMissing.length; j++) {
    const f = withMissing[j];
    const base = f * rows;
    let m = 0;
    for (let k = start; k < end; k++) m += columns[base + idx[k]] === MISSING_BIN ? 1 : 0;
    out[f] = m;
  }
}

/** The NodeCounts of one node at a time: set its rows, missing counts and bounds, then scan. */
export class NodeCounter implements NodeCounts {
  miss: Int32Array = new Int32Array(0);
  hmax = 0;
  slack = 0;
  private idx: Int32Array = new Int32Array(0);
  private start = 0;
  private end = 0;

  constructor(private readonly input: HistogramInput) {}

  /**
   * The node's rows idx[start..end) and missing counts; hmax bounds every row's hessian; slack
   * bounds the rounding error of a hessian sum read from a histogram derived `depth` times from sums of ≤ `rows` values ≤ `rootH`.
   */
  set(idx: Int32Array, start: number, end: number, miss: Int32Array, hmax: number, rootH: number, depth: number): this {
    this.idx = idx;
    this.start = start;
    this.end = end;
    this.miss = miss;
    this.hmax = hmax;
    this.slack = 4.5e-16 * rootH * (this.input.rows + 512) * (depth + 2);
    return this;
  }

  binCounts(f: number, counts: Float64Array): void {
    const { columns, rows } = this.input;
    const { idx, end } = this;
    const base = f * rows;
    counts.fill(0);
    for (let k = this.start; k < end; k++) counts[columns[base + idx[k]]]++;
  }
}
