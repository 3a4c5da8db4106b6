// Scores an ONNX classifier with onnxruntime-node from runtime-free feeds (for checks, not for serving).
import * as ort from 'onnxruntime-node';
import { ONNX_OUTPUTS } from './exportClassifier.js';
import type { FeedTensor } from './feeds.js';

export interface OnnxScores {
  labels: string[];
  probabilities: Float32Array;
}

export async function scoreOnnx(modelBytes: Uint8Array, feeds: Record<string, FeedTensor>): Promise<OnnxScores> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      inputs[name] = f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
    }
    const out = await session.run(inputs, [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
    return {
      labels: Array.from(out[ONNX_OUTPUTS.label].data as string[]),
      probabilities: out[ONNX_OUTPUTS.probabilities].data as Float32Array,
    };
  } finally {
    await session.release();
  }
}

export interface LatencyFigures {
  /** Median milliseconds of one run on one row. */
  batch1: number;
  /** Median milliseconds of one run on 1,024 rows. */
  batch1024: number;
}

/** Latency of the packaged graph, single-threaded: median of repeated runs at batch 1 and 1,024 (after a warm-up). */
export async function measureLatency(modelBytes: Uint8Array, feedsFor: (rows: number) => Record<string, FeedTensor>): Promise<LatencyFigures> {
  const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const tensors = (feeds: Record<string, FeedTensor>): Record<string, ort.Tensor> =>
    Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims)]),
    );
  const median = async (inputs: Record<string, ort.Tensor>, repeats: number): Promise<number> => {
    await session.run(inputs, [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await session.run(inputs, [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  try {
    return { batch1: await median(tensors(feedsFor(1)), 50), batch1024: await median(tensors(feedsFor(1024)), 10) };
  } finally {
    await session.release();
  }
}
