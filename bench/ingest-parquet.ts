// Bench: the whole `mlcycle validate <file.parquet>` CLI call (flights-3m.parquet) against hyparquet decoding the file alone, ratio last.
// Run: npx tsx bench/ingest-parquet.ts [file] [--rounds 2] [--checkpoint] [--smoke]   (--smoke: a small Parquet file made here; checks, no timing goal)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { profileTable } from '../lib/data/profile.js';
import { readSource, storeCheckpoint, type ChunkCheckpoint } from '../lib/data/sources/index.js';
import type { Column, Table } from '../lib/data/table.js';
import { ParquetTableWriter } from '../lib/data/writeParquet.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { mulberry32 } from '../lib/train/cv.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const withCheckpoint = args.includes('--checkpoint');
const rounds = Math.max(1, Number(args[args.indexOf('--rounds') + 1]) || 2);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mlcycle-bench-'));
const problems: string[] = [];

/** A small table with every kind, missing values included, written as Parquet (one row group per 2,000 rows). */
async function smokeFile(): Promise<string> {
  const r = mulberry32(7);
  const rows = 2000;
  const path = join(dir, 'smoke.parquet');
  const writer = new ParquetTableWriter(path);
  for (let part = 0; part < 3; part++) {
    const columns: Column[] = [
      { name: 'x', kind: 'numeric', values: Float64Array.from({ length: rows }, () => (r() < 0.05 ? NaN : Math.round(r() * 1e4) / 100)) },
      { name: 'when', kind: 'date', values: Float64Array.from({ length: rows }, (_, i) => (r() < 0.02 ? NaN : 1.7e12 + i * 60_000)) },
      { name: 'city', kind: 'categorical', values: Array.from({ length: rows }, () => (r() < 0.03 ? null : ['Oslo', 'Lima', 'Pune'][Math.floor(r() * 3)])) },
    ];
    await writer.write({ rows, columns });
  }
  await writer.finish();
  return path;
}

/** The peer: hyparquet decoding every column chunk of the file, doing nothing with the values but checking them. */
type Chunk = { rowStart: number; columnData: ArrayLike<unknown> };

async function decodeAlone(path: string): Promise<{ seconds: number; columns: Map<string, Chunk[]> }> {
  const columns = new Map<string, Chunk[]>();
  const t0 = performance.now();
  await parquetRead({
    file: await asyncBufferFromFile(path),
    compressors,
    onChunk: ({ columnName, columnData, rowStart }) => {
      if (!columns.has(columnName)) columns.set(columnName, []);
      (columns.get(columnName) as Chunk[]).push({ rowStart, columnData });
    },
  });
  return { seconds: (performance.now() - t0) / 1000, columns };
}

/** The whole CLI call, as a user runs it; peak memory from /usr/bin/time when it is installed. */
function cliCall(path: string, out: string): { seconds: number; peakMb: number | null; report: { profile: unknown } } {
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'peak-kb %M'] : [];
  const cmd = [...time, 'npx', 'tsx', 'triggers/cli.ts', 'validate', path, '--out', out, '--json'];
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`mlcycle validate exited ${r.status}: ${r.stderr}`);
  const kb = /peak-kb (\d+)/.exec(r.stderr ?? '');
  return { seconds, peakMb: kb ? Number(kb[1]) / 1024 : null, report: JSON.parse(readFileSync(join(out, 'validation.json'), 'utf8')) as { profile: unknown } };
}

/** mlcycle's table holds what hyparquet decoded (numbers as numbers, dates as epoch ms, text as text, missing as NaN/null). */
function compare(table: Table, decoded: Map<string, Chunk[]>): void {
  for (const c of table.columns) {
    let i = 0;
    let bad = 0;
    for (const { rowStart, columnData: chunk } of decoded.get(c.name) ?? []) {
      for (let j = 0; j < chunk.length; j++, i++) {
        const v = chunk[j];
        const want = v === null || v === undefined ? (c.kind === 'categorical' ? null : NaN) : v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v;
        const got = c.values[rowStart + j];
        if (!(got === want || (Number.isNaN(got) && Number.isNaN(want)))) bad++;
      }
    }
    if (i !== table.rows || bad > 0) problems.push(`column ${c.name}: ${bad} values differ from hyparquet's, ${i} of ${table.rows} rows decoded`);
  }
}

function line(step: string, rows: number, seconds: number, extra = ''): void {
  console.log(`${step.padEnd(44)} ${String(rows).padStart(9)} rows  ${seconds.toFixed(3).padStart(7)} s${extra}`);
}

try {
  const path = smoke ? await smokeFile() : (args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds') ?? join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet'));
  console.log(`$ npx tsx bench/ingest-parquet.ts ${args.join(' ')}`.trim());
  console.log(`node ${process.version}; ${path}`);
  // In-process breakdown once: where the CLI's time goes, and the equal-answers check.
  let saved: ChunkCheckpoint | null = null;
  const checkpoint = withCheckpoint ? storeCheckpoint(new ArtifactStore(join(dir, 'store')), { load: () => saved, save: (c) => void (saved = c) }) : undefined;
  let t0 = performance.now();
  const table = await readSource({ kind: 'file', path }, { checkpoint });
  line(`mlcycle read + type${withCheckpoint ? ' (checkpointed)' : ''} (in process)`, table.rows, (performance.now() - t0) / 1000);
  t0 = performance.now();
  const profile = profileTable(table);
  line('mlcycle profile (in process)', table.rows, (performance.now() - t0) / 1000);
  const peerRun = await decodeAlone(path);
  compare(table, peerRun.columns);
  const ratios: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const peer = round === 1 ? peerRun : await decodeAlone(path);
    line(`round ${round}: peer, hyparquet decode alone`, table.rows, peer.seconds);
    const cli = cliCall(path, join(dir, `out-${round}`));
    line(`round ${round}: mlcycle validate, whole CLI call`, table.rows, cli.seconds, cli.peakMb === null ? '' : `  peak ${cli.peakMb.toFixed(0)} MB`);
    if (JSON.stringify(cli.report.profile) !== JSON.stringify(profile)) problems.push(`round ${round}: the CLI's profile differs from the in-process one`);
    ratios.push(`${(cli.seconds / peer.seconds).toFixed(2)}×`);
  }
  console.log(`columns: ${table.columns.map((c) => `${c.name}:${c.kind}`).join(', ')}`);
  console.log(`whole CLI call / hyparquet decode alone, per round: ${ratios.join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('checks: mlcycle decodes what hyparquet decodes; the CLI report profiles the same table');
