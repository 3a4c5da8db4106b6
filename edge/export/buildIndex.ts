// index.js of an edge bundle: the product's own runtime code (edge/runtime, serving's checks, lib/onnx's feeds) bundled by esbuild.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export type EdgeTarget = 'browser' | 'node';

const require = createRequire(import.meta.url);

/** The onnxruntime-web files a browser bundle carries: its WASM-only ES module and the single-threaded runtime it loads. */
export const WEB_RUNTIME_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/** Where onnxruntime-web keeps those files. */
export function webRuntimeDir(): string {
  return dirname(require.resolve('onnxruntime-web')); // its main file is in dist/ (its exports hide package.json)
}

/** The installed version of a runtime package (the node bundle's package.json pins it). */
export function runtimeVersion(pkg: 'onnxruntime-node' | 'onnxruntime-web'): string {
  const main = require.resolve(pkg);
  const root = main.slice(0, main.lastIndexOf(`/${pkg}/`) + pkg.length + 1);
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The browser entry's `onnxruntime-web/wasm` is the copy beside index.js: nothing is fetched from elsewhere. */
const webRuntimeBeside: Plugin = {
  name: 'ort-web-beside-index',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web\/wasm$/ }, () => ({ path: `./${WEB_RUNTIME_FILES[0]}`, external: true }));
  },
};

/** The bundled ES module's text for a target. */
export async function buildIndex(target: EdgeTarget): Promise<string> {
  const entry = fileURLToPath(new URL(`../runtime/${target}.ts`, import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: target === 'node' ? 'node' : 'browser',
    target: target === 'node' ? 'node20' : 'es2022',
    external: target === 'node' ? ['onnxruntime-node'] : [],
    plugins: target === 'browser' ? [webRuntimeBeside] : [],
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: `// mlcycle edge bundle (${target}): load() checks manifest.json, then predict(records) answers as the serving API's v1 predict.` },
  });
  return result.outputFiles[0].text;
}
