// Resumable chunked reads: converted chunks are stored as snapshot parts; a checkpoint lists them and the position.
import type { Column, Table } from '../table.js';
import { DataError } from '../errors.js';
import { decodeSnapshot, encodeSnapshot } from '../snapshot.js';

/** Progress of a read, reported after each chunk. */
export interface ReadProgress {
  rows: number;
  bytes?: number;
  totalBytes?: number;
  detail: string;
}

/** What survives a crash: small and JSON-safe (it travels in heartbeat details), never a secret. */
export interface ChunkCheckpoint {
  /** The input this belongs to (source, size and mtime, or a hash of the query); a mismatch starts over. */
  fingerprint: string;
  /** Where reading continues: the next Parquet row group, or the rows already read from a Postgres query. */
  position: number;
  /** Rows held by `parts`. */
  rows: number;
  /** Ids (content hashes) of the stored parts, in row order; each is a snapshot (Arrow IPC) of converted rows. */
  parts: string[];
}

/** Where a chunked read keeps its progress; an activity backs it with heartbeat details and the artifact store. */
export interface IngestCheckpoint {
  load(): Promise<ChunkCheckpoint | null>;
  save(checkpoint: ChunkCheckpoint): Promise<void>;
  /** Stores the bytes of a part and returns its id (the artifact store returns its sha256). */
  putPart(bytes: Uint8Array): Promise<string>;
  getPart(id: string): Promise<Uint8Array>;
  /** Save at most this often; chunks read in between are stored together as one part (default 0: every chunk). */
  minIntervalMs?: number;
}

/** A checkpoint kept in memory (tests, or a caller that only wants progress). */
export function memoryCheckpoint(minIntervalMs = 0): IngestCheckpoint & { saved: ChunkCheckpoint | null; stored: Map<string, Uint8Array> } {
  const stored = new Map<string, Uint8Array>();
  const cp = {
    saved: null as ChunkCheckpoint | null,
    stored,
    minIntervalMs,
    load: async () => (cp.saved ? structuredClone(cp.saved) : null),
    save: async (c: ChunkCheckpoint) => void (cp.saved = structuredClone(c)),
    putPart: async (bytes: Uint8Array) => {
      const id = `part-${stored.size}`;
      stored.set(id, bytes);
      return id;
    },
    getPart: async (id: string) => {
      const bytes = stored.get(id);
      if (!bytes) throw new Error(`checkpoint part ${id} is missing`);
      return bytes;
    },
  };
  return cp;
}

/** The artifact store's shape as far as checkpoints need it (lib/store/artifacts.ts ArtifactStore fits). */
export interface PartStore {
  put(bytes: Uint8Array): Promise<{ sha256: string }>;
  get(ref: string): Promise<Uint8Array>;
}

/**
 * Parts in a content-addressed store, the checkpoint itself wherever `state` keeps it: an activity passes
 * `{ load: () => heartbeatDetails ?? null, save: (c) => heartbeat(c) }`.
 */
export function storeCheckpoint(
  store: PartStore,
  state: { load(): ChunkCheckpoint | null | Promise<ChunkCheckpoint | null>; save(c: ChunkCheckpoint): void | Promise<void> },
  minIntervalMs = 0,
): IngestCheckpoint {
  return {
    minIntervalMs,
    load: async () => (await state.load()) ?? null,
    save: async (c) => void (await state.save(c)),
    putPart: async (bytes) => (await store.put(bytes)).sha256,
    getPart: (id) => store.get(id),
  };
}

/** Stacks tables with the same columns (names and kinds) into one. */
export function concatTables(parts: readonly Table[], sourceName: string): Table {
  if (parts.length === 1) return parts[0];
  if (parts.length === 0) throw new DataError(`${sourceName}: nothing was read`, { source: sourceName });
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const columns = parts[0].columns.map((first, c): Column => {
    for (const p of parts) {
      const other = p.columns[c];
      if (!other || other.name !== first.name || other.kind !== first.kind) {
        throw new DataError(`${sourceName}: chunks disagree on column ${c + 1} ("${first.name}" ${first.kind})`, { source: sourceName });
      }
    }
    if (first.kind === 'categorical') {
      const values: (string | null)[] = new Array(rows);
      let at = 0;
      for (const p of parts) for (const v of p.columns[c].values as (string | null)[]) values[at++] = v;
      return { name: first.name, kind: 'categorical', values };
    }
    const values = new Float64Array(rows);
    let at = 0;
    for (const p of parts) {
      values.set(p.columns[c].values as Float64Array, at);
      at += p.rows;
    }
    return { name: first.name, kind: first.kind, values };
  });
  return { rows, columns };
}

/**
 * Drives a chunked read: `resume()` returns the stored chunks and where to go on; `add()` takes each new chunk
 * with the position after it and saves a checkpoint (at most every `minIntervalMs`); `table()` stacks them all.
 */
export class ChunkRecorder {
  private readonly tables: Table[] = [];
  private pending: Table[] = [];
  private state: ChunkCheckpoint;
  private lastSave = Date.now();

  constructor(
    private readonly checkpoint: IngestCheckpoint | undefined,
    fingerprint: string,
    private readonly sourceName: string,
  ) {
    this.state = { fingerprint, position: 0, rows: 0, parts: [] };
  }

  get rows(): number {
    return this.tables.reduce((n, t) => n + t.rows, 0);
  }

  /** Loads the stored parts of a matching checkpoint; returns the position to continue from (0 when none). */
  async resume(): Promise<number> {
    const saved = await this.checkpoint?.load();
    if (!this.checkpoint || !saved || saved.fingerprint !== this.state.fingerprint) return 0;
    for (const id of saved.parts) this.tables.push(decodeSnapshot(await this.checkpoint.getPart(id), `${this.sourceName} (checkpoint part)`));
    if (this.rows !== saved.rows) {
      throw new DataError(`${this.sourceName}: checkpoint parts hold ${this.rows} rows, the checkpoint says ${saved.rows}`, {
        source: this.sourceName,
      });
    }
    this.state = structuredClone(saved);
    return saved.position;
  }

  /** Records a converted chunk; `position` is where reading goes on after it. */
  async add(chunk: Table, position: number): Promise<void> {
    this.tables.push(chunk);
    if (!this.checkpoint) return;
    this.pending.push(chunk);
    this.state.position = position;
    if (Date.now() - this.lastSave >= (this.checkpoint.minIntervalMs ?? 0)) await this.flush();
  }

  /** Stores pending chunks as one part and saves the checkpoint. */
  async flush(): Promise<void> {
    if (!this.checkpoint || this.pending.length === 0) return;
    const part = concatTables(this.pending, this.sourceName);
    const id = await this.checkpoint.putPart(encodeSnapshot(part));
    this.state = { ...this.state, rows: this.state.rows + part.rows, parts: [...this.state.parts, id] };
    await this.checkpoint.save(this.state);
    this.pending = [];
    this.lastSave = Date.now();
  }

  table(): Table {
    return concatTables(this.tables, this.sourceName);
  }
}
