// The node bundle's entry (bundled into index.js by esbuild): onnxruntime-node, files read beside index.js.
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { EdgeModel, type LoadOptions, type Platform } from './bundleModel.js';

export type { EdgePrediction, LoadOptions } from './bundleModel.js';
export type { EdgeModel };

/** Opens the bundle this file belongs to: every file is checked against manifest.json first. */
export function load(options: LoadOptions = {}): Promise<EdgeModel> {
  const platform: Platform = {
    ort,
    // One thread, as the server's scoring threads: predictable on small devices; raise it for big batches.
    sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
    readFile: async (name) => new Uint8Array(await readFile(new URL(name, import.meta.url))),
    sha256: async (bytes) => createHash('sha256').update(bytes).digest('hex'),
    randomUUID,
  };
  return EdgeModel.load(platform, options);
}
