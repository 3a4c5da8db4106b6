// The artifact store: content-addressed files (<root>/<sha[0:2]>/<sha>), verified on read; optionally backed by a remote store.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactError } from './artifactErrors.js';

export interface ArtifactRef {
  uri: string;
  sha256: string;
  bytes: number;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where every machine finds the artifacts (lib/store/s3Blobs.ts: an S3-compatible bucket). Keys are content hashes. */
export interface RemoteBlobs {
  /** The object's address for people: s3://bucket/key. */
  describe(sha256: string): string;
  /** The stored object's size and, when the store keeps one, its SHA-256 checksum (hex); null when it is not there. */
  head(sha256: string): Promise<{ bytes: number; sha256?: string } | null>;
  put(sha256: string, data: Uint8Array): Promise<void>;
  /** The object's bytes as stored (the store verifies them), or null when it is not there. */
  get(sha256: string): Promise<Buffer | null>;
  /** Throws when the remote store cannot serve us (unreachable, credentials refused, no bucket). */
  check(): Promise<void>;
}

/**
 * Without a remote, the local folder is the store. With one, the remote is the store every machine shares and the
 * local folder a verified cache of it: `put` writes both (uploading only what the remote lacks), `get` reads the cache
 * and fetches what it lacks. A corrupt cached copy is replaced by a verified download from the remote.
 */
export class ArtifactStore {
  /** Cached copies this process has verified, by sha256 → "size:mtime" (so ensureLocal hashes a file once). */
  private readonly verified = new Map<string, string>();

  constructor(readonly root: string, readonly remote?: RemoteBlobs) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: "${sha256}"`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  uriOf(sha256: string): string {
    return `artifact://${sha256}`;
  }

  /** Stores bytes under their hash; storing the same content twice is one file (and one object). */
  async put(bytes: Uint8Array | string): Promise<ArtifactRef> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const sha256 = sha256Hex(data);
    const path = this.pathOf(sha256);
    const existing = await stat(path).catch(() => null);
    if (!existing) await this.writeLocal(sha256, data);
    if (this.remote) {
      // Uploaded when absent; replaced when what is there is not these bytes (another size, or another stored checksum).
      const there = await this.remote.head(sha256);
      if (!there || there.bytes !== data.byteLength || (there.sha256 !== undefined && there.sha256 !== sha256)) await this.remote.put(sha256, data);
    }
    return { uri: this.uriOf(sha256), sha256, bytes: data.byteLength };
  }

  /** Reads an artifact by hash or URI and checks that its bytes still hash to it. */
  async get(ref: string): Promise<Buffer> {
    const sha256 = shaOf(ref);
    const local = await this.readLocal(sha256);
    if (local) {
      const actual = sha256Hex(local);
      if (actual === sha256) return local;
      if (!this.remote) throw new ArtifactError('corrupt', `artifact ${sha256} is corrupt: its bytes hash to ${actual} (the copy in ${this.pathOf(sha256)})`);
    }
    return this.fetch(sha256);
  }

  /**
   * The path of a verified local copy, fetched from the remote when the cache lacks it: for readers that open the
   * file themselves (the training threads open `new ArtifactStore(root)` on the same folder).
   */
  async ensureLocal(ref: string): Promise<string> {
    const sha256 = shaOf(ref);
    const path = this.pathOf(sha256);
    const st = await stat(path).catch(() => null);
    if (st && this.verified.get(sha256) === `${st.size}:${st.mtimeMs}`) return path;
    if (st || this.remote) await this.get(sha256);
    else throw missing(sha256, this.root);
    const now = await stat(path);
    this.verified.set(sha256, `${now.size}:${now.mtimeMs}`);
    return path;
  }

  async putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(JSON.stringify(value));
  }

  async getJson<T>(ref: string): Promise<T> {
    return JSON.parse((await this.get(ref)).toString('utf8')) as T;
  }

  /** Throws when the remote store cannot serve us; nothing to check without one. */
  async check(): Promise<void> {
    await this.remote?.check();
  }

  /** Downloads from the remote, verifies, and keeps the copy in the cache. */
  private async fetch(sha256: string): Promise<Buffer> {
    if (!this.remote) throw missing(sha256, this.root);
    const data = await this.remote.get(sha256);
    if (!data) throw new ArtifactError('missing', `artifact ${sha256} is in neither the local cache ${this.root} nor ${this.remote.describe(sha256)}`);
    const actual = sha256Hex(data);
    if (actual !== sha256) {
      throw new ArtifactError('corrupt', `artifact ${sha256} is corrupt: its bytes hash to ${actual} (the object ${this.remote.describe(sha256)})`);
    }
    await this.writeLocal(sha256, data);
    return data;
  }

  private async readLocal(sha256: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`artifact ${sha256} cannot be read from ${this.pathOf(sha256)}: ${(err as Error).message}`);
    }
  }

  /** Written beside its place, then renamed: a reader never sees half a file. */
  private async writeLocal(sha256: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(sha256);
    await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }
}

function shaOf(ref: string): string {
  return ref.startsWith('artifact://') ? ref.slice('artifact://'.length) : ref;
}

function missing(sha256: string, root: string): ArtifactError {
  return new ArtifactError('missing', `artifact ${sha256} is not in the store at ${root}: ENOENT`);
}
