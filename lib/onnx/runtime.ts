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
