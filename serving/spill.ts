// The prediction log's spill: an append-only JSON-lines file of batches (one per line, with its id) kept while PostgreSQL is away, replayed in order.
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { instancesOf, parseSpillLine, spillLine, type PredictionBatch } from '../lib/store/predictionRows.js';

export class SpillFull extends Error {
  override name = 'SpillFull';
}

/** A spill line a replay could not read: kept in `<spill>.rejected`, reported through the log's onError. */
export class SpillLineRejected extends Error {
  override name = 'SpillLineRejected';
}

export class SpillFile {
  /** Bytes in the spill (the file being appended to and the one being replayed). */
  bytes = 0;
  /** When the oldest entry not yet replayed was spilled (ms since epoch); null when empty. */
  since: number | null = null;
  private writing: Promise<void> = Promise.resolve();

  /** Lines a replay could not read (moved to rejectedPath with their reason). */
  rejected = 0;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    private readonly onRejected?: (reason: string) => void,
  ) {}

  /** Where unreadable lines go, each with its file, line number and reason. */
  get rejectedPath(): string {
    return `${this.path}.rejected`;
  }

  private get replaying(): string {
    return `${this.path}.replaying`;
  }

  /** Counts what a previous process left (replayed on the first successful write). */
  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    for (const file of [this.path, this.replaying]) {
      const size = await stat(file).then((s) => s.size, () => 0);
      this.bytes += size;
      if (size > 0) this.since ??= Date.now();
    }
  }

  /** At the bound, or an append was refused for it (a batch that would not fit): until a replay makes room. */
  get full(): boolean {
    return this.bytes >= this.maxBytes || this.refused;
  }
  private refused = false;

  /** Appends batches (one write, synced, in order with earlier appends); throws SpillFull past the bound. */
  append(batches: readonly PredictionBatch[]): Promise<void> {
    if (batches.length === 0) return this.writing;
    const text = batches.map(spillLine).join('\n') + '\n';
    const size = Buffer.byteLength(text);
    const next = this.writing.then(async () => {
      if (this.bytes + size > this.maxBytes) {
        this.refused = true;
        throw new SpillFull(`the prediction log's spill ${this.path} is full (${this.bytes} of ${this.maxBytes} bytes)`);
      }
      // Synced before it counts: a power cut must not take back what the log says is kept.
      const file = await open(this.path, 'a');
      try {
        await file.writeFile(text);
        await file.datasync();
      } finally {
        await file.close();
      }
      this.bytes += size;
      this.since ??= Date.now();
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Replays the spill through `write`, batch by batch under their ids: the file is renamed first, so appends during the
   * replay start a new file; the renamed one is removed only once all of it is written (a write that fails leaves it
   * for the next replay, whose batches already written are skipped by id).
   */
  async replay(write: (batch: PredictionBatch) => Promise<void>): Promise<number> {
    await this.writing;
    const hasReplaying = await stat(this.replaying).then((s) => s.size > 0, () => false);
    if (!hasReplaying) {
      const hasFile = await stat(this.path).then((s) => s.size > 0, () => false);
      if (!hasFile) return 0;
      await rename(this.path, this.replaying);
    }
    const size = await stat(this.replaying).then((s) => s.size);
    let written = 0;
    const lines = createInterface({ input: createReadStream(this.replaying, 'utf8'), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number++;
      if (!line) continue;
      const read = parseSpillLine(line);
      if ('problem' in read) {
        // Kept, not dropped and not blocking the rest: the line goes to <spill>.rejected with where it was and why.
        const reason = `${this.replaying}:${number}: ${read.problem}`;
        await appendFile(this.rejectedPath, `${JSON.stringify({ reason, line })}\n`);
        this.rejected++;
        this.onRejected?.(reason);
        continue;
      }
      await write(read.batch);
      written += instancesOf(read.batch.records);
    }
    await unlink(this.replaying);
    this.bytes -= size;
    this.refused = false;
    if (this.bytes <= 0) {
      this.bytes = 0;
      this.since = null;
    }
    return written;
  }
}
