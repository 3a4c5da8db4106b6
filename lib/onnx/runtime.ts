// Scores an ONNX model with onnxruntime-node from runtime-free feeds (for checks and the gate, not for serving).
import * as ort from 'onnxruntime-node';
import { contractOutputNames, readContractOutputs, type OnnxOutputs, type OnnxTask } from './contractOutputs.js';
import type { FeedTensor } from './feeds.js';

export { contractOutputs, contractOutputNames, readContractOutputs, type OnnxOutputs, type OnnxTask } from './contractOutputs.js';

function toOrt(feeds: Record<string, FeedTensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) out[name] = f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
  return out;
}

/** Runs the model once; a missing output, or one of the wrong type or shape, is a clear error. */
export async function scoreOnnx(modelBytes: Uint8Array, feeds: Record<string, FeedTensor>, task: OnnxTask = 'classification'): Promise<OnnxOutputs> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const out = await session.run(toOrt(feeds), contractOutputNames(session, task));
    return readContractOutputs(out, task, Object.values(feeds)[0]?.dims[0] ?? 0);
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

/** Latency of the packaged graph, single-threaded: median of repeated runs at batch 1 and 1,024 (after a warm-up), all outputs fetched. */
export async function measureLatency(modelBytes: Uint8Array, feedsFor: (rows: number) => Record<string, FeedTensor>): Promise<LatencyFigures> {
  const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const median = async (inputs: Record<string, ort.Tensor>, repeats: number): Promise<number> => {
    await session.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await session.run(inputs);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  try {
    return { batch1: await median(toOrt(feedsFor(1)), 50), batch1024: await median(toOrt(feedsFor(1024)), 10) };
  } finally {
    await session.release();
  }
}
