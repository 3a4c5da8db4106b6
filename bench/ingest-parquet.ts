// Benchmark: flights-3m.parquet (ZSTD) → typed Table → snapshot bytes; by hand: npx tsx bench/ingest-parquet.ts [file] [--checkpoint].
import { profileTable } from '../lib/data/profile.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import { readSource, storeCheckpoint, type ChunkCheckpoint } from '../lib/data/sources/index.js';
import { ArtifactStore } from '../lib/store/artifacts.js';

const args = process.argv.slice(2);
const withCheckpoint = args.includes('--checkpoint');
const path =
  args.find((a) => !a.startsWith('--')) ??
  fileURLToPath(new URL('../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));

function line(step: string, rows: number, seconds: number): void {
  const rate = Math.round(rows / seconds).toLocaleString('en-US');
  console.log(`${step.padEnd(30)} ${String(rows).padStart(9)} rows  ${seconds.toFixed(3).padStart(7)} s  ${rate.padStart(12)} rows/s`);
}

// --checkpoint: every row group is stored as a part in a real artifact store (a temp dir), as the activity would.
const dir = mkdtempSync(join(tmpdir(), 'mlcycle-bench-'));
let saved: ChunkCheckpoint | null = null;
const checkpoint = withCheckpoint
  ? storeCheckpoint(new ArtifactStore(dir), { load: () => saved, save: (c) => void (saved = c) })
  : undefined;
try {
  // Baseline in the same run: hyparquet decoding every column chunk (all row groups at once), doing nothing with it.
  let t0 = performance.now();
  let decoded = 0;
  await parquetRead({ file: await asyncBufferFromFile(path), compressors, onChunk: (c) => void (decoded += c.columnData.length) });
  const baseline = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const table = await readSource({ kind: 'file', path }, { checkpoint });
  const read = (performance.now() - t0) / 1000;
  line('baseline: hyparquet decode', decoded / table.columns.length, baseline);
  line(`read + type${withCheckpoint ? ' (checkpointed)' : ''}`, table.rows, read);

  t0 = performance.now();
  const bytes = encodeSnapshot(table);
  const encode = (performance.now() - t0) / 1000;
  line('encode snapshot', table.rows, encode);
  t0 = performance.now();
  profileTable(table);
  const profile = (performance.now() - t0) / 1000;
  line('profile', table.rows, profile);
  line('total (read + snapshot + profile)', table.rows, read + encode + profile);
  console.log(`read + type / baseline decode: ${(read / baseline).toFixed(2)}×`);
  const parts = (saved as ChunkCheckpoint | null)?.parts.length;
  console.log(`columns: ${table.columns.map((c) => `${c.name}:${c.kind}`).join(', ')}; snapshot ${(bytes.length / 1e6).toFixed(1)} MB` +
    (parts ? `; ${parts} checkpoint parts stored` : ''));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
