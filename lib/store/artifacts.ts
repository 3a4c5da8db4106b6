// The artifact store: content-addressed files (<root>/<sha[0:2]>/<sha>), written atomically, verified on read.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ArtifactRef {
  uri: string;
  sha256: string;
  bytes: number;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ArtifactStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: "${sha256}"`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  uriOf(sha256: string): string {
    return `artifact://${sha256}`;
  }

  /** Stores bytes under their hash; storing the same content twice is one file. */
  async put(bytes: Uint8Array | string): Promise<ArtifactRef> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const sha256 = sha256Hex(data);
    const path = this.pathOf(sha256);
    const existing = await stat(path).catch(() => null);
    if (!existing) {
      await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, path);
    }
    return { uri: this.uriOf(sha256), sha256, bytes: data.byteLength };
  }

  /** Reads an artifact by hash or URI and checks that its bytes still hash to it. */
  async get(ref: string): Promise<Buffer> {
    const sha256 = ref.startsWith('artifact://') ? ref.slice('artifact://'.length) : ref;
    const data = await readFile(this.pathOf(sha256)).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`artifact ${sha256} is not in the store at ${this.root}: ${err.code ?? err.message}`);
    });
    const actual = sha256Hex(data);
    if (actual !== sha256) throw new Error(`artifact ${sha256} is corrupt: its bytes hash to ${actual}`);
    return data;
  }

  async putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(JSON.stringify(value));
  }

  async getJson<T>(ref: string): Promise<T> {
    return JSON.parse((await this.get(ref)).toString('utf8')) as T;
  }
}
