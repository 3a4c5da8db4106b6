// `mlcycle export`: a registered model version as a self-contained folder (model, index.js, manifest, card, README); all or nothing.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Queryable } from '../../lib/store/db.js';
import { sha256Hex, type ArtifactStore } from '../../lib/store/artifacts.js';
import { getDeployment, getModelVersion, listModelVersions, type ModelVersionRow } from '../../lib/store/models.js';
import { renderModelCardHtml } from '../../lib/report/modelCardHtml.js';
import { MANIFEST_FORMAT, type BundleManifest } from '../runtime/manifest.js';
import { buildIndex, runtimeVersion, webRuntimeDir, WEB_RUNTIME_FILES, type EdgeTarget } from './buildIndex.js';
import { bundleReadme } from './bundleReadme.js';

export const EDGE_TARGETS: readonly EdgeTarget[] = ['browser', 'node'];

export interface ExportDeps {
  db: Queryable;
  artifacts: ArtifactStore;
}

export interface ExportResult {
  dir: string;
  manifest: BundleManifest;
  /** Bytes of every file in the folder. */
  bytes: number;
}

/** `name@3`, `name@champion`, `name@challenger` → the registered version it names (a clear error otherwise). */
export async function resolveModelRef(db: Queryable, spec: string): Promise<ModelVersionRow> {
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : '';
  const ref = at > 0 ? spec.slice(at + 1) : '';
  if (!name || !ref) throw new Error(`"${spec}" is not <model>@<version|alias> (e.g. weather@champion or weather@3)`);
  const versions = await listModelVersions(db, name);
  if (versions.length === 0) throw new Error(`model "${name}" is not registered`);
  let version: number;
  if (/^[1-9][0-9]*$/.test(ref)) version = Number(ref);
  else if (ref === 'champion' || ref === 'challenger') {
    const deployment = await getDeployment(db, name);
    const v = ref === 'champion' ? deployment?.championVersion : deployment?.challengerVersion;
    if (!v) throw new Error(`model "${name}" has no ${ref} (registered versions: ${versions.map((r) => r.version).join(', ')})`);
    version = v;
  } else throw new Error(`"${ref}" in "${spec}" is neither a version number nor an alias (champion, challenger)`);
  const row = await getModelVersion(db, name, version);
  if (!row) throw new Error(`model "${name}" has no version ${version} (registered versions: ${versions.map((r) => r.version).join(', ')})`);
  return row;
}

async function checkOut(out: string): Promise<void> {
  const entries = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    if (err.code === 'ENOTDIR') throw new Error(`--out ${out} is a file, not a folder`);
    throw err;
  });
  if (entries.length > 0) throw new Error(`--out ${out} is not empty: give a new or empty folder (nothing was written)`);
}

/** The version a bundle is made of: what the registry holds for it. */
export type BundledVersion = Pick<ModelVersionRow, 'name' | 'version' | 'sha256' | 'card'>;

/** Exports a registered version (`<model>@<version|alias>`): its bytes are checked against the registered sha256 first. */
export async function exportBundle(deps: ExportDeps, spec: string, target: string, outDir: string): Promise<ExportResult> {
  if (!EDGE_TARGETS.includes(target as EdgeTarget)) throw new Error(`--target must be ${EDGE_TARGETS.join(' or ')}, got "${target}"`);
  await checkOut(resolve(outDir));
  const row = await resolveModelRef(deps.db, spec);
  const model = new Uint8Array(await deps.artifacts.get(row.uri));
  return writeBundle(row, model, target as EdgeTarget, outDir);
}

/** Writes the bundle into a temporary folder beside `out`, then renames it into place: a failure leaves nothing behind. */
export async function writeBundle(row: BundledVersion, model: Uint8Array, t: EdgeTarget, outDir: string): Promise<ExportResult> {
  const out = resolve(outDir);
  await checkOut(out);
  const actual = sha256Hex(model);
  if (actual !== row.sha256) throw new Error(`the stored model of ${row.name} v${row.version} hashes to ${actual}, registered as ${row.sha256}: refusing to export it`);

  await mkdir(dirname(out), { recursive: true });
  const tmp = await mkdtemp(join(dirname(out), `.${basename(out)}.export-`));
  try {
    const files: Record<string, Uint8Array | string> = {
      'model.onnx': model,
      'card.json': `${JSON.stringify(row.card, null, 2)}\n`,
      'card.html': renderModelCardHtml(row.card),
      'index.js': await buildIndex(t),
      'README.md': bundleReadme(row, t, t === 'node' ? runtimeVersion('onnxruntime-node') : runtimeVersion('onnxruntime-web')),
    };
    if (t === 'node') {
      const pkg = { name: `${row.name}-v${row.version}-edge`, private: true, type: 'module', main: 'index.js', dependencies: { 'onnxruntime-node': runtimeVersion('onnxruntime-node') } };
      files['package.json'] = `${JSON.stringify(pkg, null, 2)}\n`;
    } else {
      for (const f of WEB_RUNTIME_FILES) files[f] = new Uint8Array(await readFile(join(webRuntimeDir(), f)));
    }
    const listed: BundleManifest['files'] = {};
    let bytes = 0;
    for (const [name, content] of Object.entries(files)) {
      const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      await writeFile(join(tmp, name), data);
      listed[name] = { sha256: sha256Hex(data), bytes: data.length };
      bytes += data.length;
    }
    const manifest: BundleManifest = { format: MANIFEST_FORMAT, model: row.name, version: row.version, target: t, sha256: row.sha256, exportedAt: new Date().toISOString(), files: listed };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeFile(join(tmp, 'manifest.json'), manifestText);
    bytes += Buffer.byteLength(manifestText);
    await checkOut(out); // still empty: nothing appeared meanwhile
    await rmdir(out).catch(() => undefined); // an empty folder given as --out is replaced
    await rename(tmp, out);
    return { dir: out, manifest, bytes };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
