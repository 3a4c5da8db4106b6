// Row records for histogram building: each row's bin codes and float32 gradient pair side by side, with typed views.

import type { BinnedMatrix } from './binning.js';

export interface HistogramInput {
  /** Row records (codes, then float32 gradient and hessian), `stride` bytes each. */
  codes: Uint8Array;
  stride: number;
  /** The same records as 32-bit words and as float32 values. */
  words: Uint32Array;
  grads: Float32Array;
  /** Column-major bin codes, columns[f · rows + r] (used to partition rows). */
  columns: Uint8Array;
  rows: number;
  features: number;
  /** 1: [g, h] per bin; 2: [g, h, count, unused] per bin. */
  shift: 1 | 2;
}

export const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function histogramInput(binned: BinnedMatrix, rows: number, features: number, shift: 1 | 2): HistogramInput {
  const { codes, stride, columns } = binned;
  if (codes.byteOffset % 4 !== 0 || stride % 4 !== 0) throw new Error('histogramInput: row records must be 4-byte aligned');
  const words = new Uint32Array(codes.buffer, codes.byteOffset, codes.length >> 2);
  const grads = new Float32Array(codes.buffer, codes.byteOffset, codes.length >> 2);
  return { codes, stride, words, grads, columns, rows, features, shift };
}

/** Stores interleaved float64 [g0, h0, g1, h1, …] into the records' float32 slots. */
export function setGradients(input: HistogramInput, gh: Float64Array): void {
  const rw = input.stride >> 2;
  const grads = input.grads;
  for (let i = 0, o = rw - 2; i < input.rows; i++, o += rw) {
    grads[o] = gh[2 * i];
    grads[o + 1] = gh[2 * i + 1];
  }
}

/** Gradient and hessian sums and the largest hessian over rows idx[start..end), from the stored float32 values. */
export function sumGradients(input: HistogramInput, idx: Int32Array, start: number, end: number): { G: number; H: number; hmax: number } {
  const rw = input.stride >> 2;
  const grads = input.grads;
  let G = 0;
  let H = 0;
  let hmax = 0;
  for (let k = start; k < end; k++) {
    const o = idx[k] * rw + rw - 2;
    const h = grads[o + 1];
    G += grads[o];
    H += h;
    if (h > hmax) hmax = h;
  }
  return { G, H, hmax };
}
