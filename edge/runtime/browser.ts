// The browser bundle's entry (bundled into index.js by esbuild): onnxruntime-web on WASM, every file fetched from the bundle's folder.
import * as ort from 'onnxruntime-web/wasm';
import { EdgeModel, type LoadOptions, type Platform } from './bundleModel.js';

export type { EdgePrediction, LoadOptions } from './bundleModel.js';
export type { EdgeModel };

const here = new URL('./', import.meta.url);

async function fetchFile(name: string): Promise<Uint8Array> {
  const res = await fetch(new URL(name, here));
  if (!res.ok) throw new Error(`GET ${name} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const hex = (buf: ArrayBuffer): string => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/** Opens the bundle this file belongs to: every file is checked against manifest.json first. */
export function load(options: LoadOptions = {}): Promise<EdgeModel> {
  // The runtime's .wasm and .mjs come from this folder, nothing from elsewhere. One thread: several need
  // SharedArrayBuffer, which a page gets only when served cross-origin isolated (COOP/COEP headers) — most hosts do not.
  ort.env.wasm.wasmPaths = here.href;
  ort.env.wasm.numThreads = 1;
  const platform: Platform = {
    ort,
    sessionOptions: { executionProviders: ['wasm'] },
    readFile: fetchFile,
    sha256: async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
    randomUUID: () => crypto.randomUUID(),
  };
  return EdgeModel.load(platform, options);
}
