// An edge bundle's manifest (manifest.json): every file's SHA-256 and size, checked before the model opens.

export const MANIFEST_FORMAT = 'mlcycle-edge-bundle/1';

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  model: string;
  version: number;
  target: 'browser' | 'node';
  /** The registered model's sha256 (model.onnx's, checked at export). */
  sha256: string;
  exportedAt: string;
  /** Every file of the bundle but manifest.json, by name. */
  files: Record<string, { sha256: string; bytes: number }>;
}

interface Reader {
  readFile(name: string): Promise<Uint8Array>;
  sha256(bytes: Uint8Array): Promise<string>;
}

/** Reads manifest.json and checks every file it lists; the first file missing or changed rejects, named. */
export async function checkManifest(reader: Reader): Promise<BundleManifest> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(await reader.readFile('manifest.json'))) as BundleManifest;
  } catch (err) {
    throw new Error(`the bundle's manifest.json cannot be read: ${(err as Error).message}`);
  }
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.files !== 'object') {
    throw new Error(`manifest.json is not an mlcycle edge bundle manifest (format "${String(manifest?.format)}", expected "${MANIFEST_FORMAT}")`);
  }
  for (const needed of ['model.onnx', 'card.json']) if (!manifest.files[needed]) throw new Error(`manifest.json does not list ${needed}`);
  for (const [name, expected] of Object.entries(manifest.files)) {
    let bytes: Uint8Array;
    try {
      bytes = await reader.readFile(name);
    } catch (err) {
      throw new Error(`${name} is missing from the bundle (${(err as Error).message})`);
    }
    const actual = await reader.sha256(bytes);
    if (actual !== expected.sha256 || bytes.length !== expected.bytes) {
      throw new Error(`${name} does not match the bundle's manifest (sha256 ${actual}, ${bytes.length} bytes; expected ${expected.sha256}, ${expected.bytes} bytes): it was changed after export; export the bundle again`);
    }
  }
  return manifest;
}
