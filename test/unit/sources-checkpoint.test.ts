// Tests for resumable reads: a Parquet read interrupted after row group k and resumed equals an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetMetadataAsync, type AsyncBuffer } from 'hyparquet';
import type { Table } from '../../lib/data/table.js';
import { memoryCheckpoint, type ChunkCheckpoint } from '../../lib/data/sources/index.js';
import { readParquet } from '../../lib/data/sources/parquet.js';

const PATH = fileURLToPath(new URL('../fixtures/parquet/types-zstd.parquet', import.meta.url)); // 40 rows, 5 row groups of 8

function assertSameTable(actual: Table, expected: Table): void {
  assert.equal(actual.rows, expected.rows);
  assert.deepEqual(actual.columns.map((c) => `${c.name}:${c.kind}`), expected.columns.map((c) => `${c.name}:${c.kind}`));
  actual.columns.forEach((c, i) => {
    assert.equal(c.values.constructor, expected.columns[i].values.constructor, c.name);
    assert.deepEqual(Array.from(c.values as ArrayLike<unknown>), Array.from(expected.columns[i].values as ArrayLike<unknown>), c.name);
  });
}

/** The file, counting which byte ranges are read. */
async function countingFile(): Promise<AsyncBuffer & { reads: [number, number][] }> {
  const inner = await asyncBufferFromFile(PATH);
  const reads: [number, number][] = [];
  return { byteLength: inner.byteLength, reads, slice: (start, end) => (reads.push([start, end ?? inner.byteLength]), inner.slice(start, end)) };
}

/** Byte ranges of each row group's column chunks. */
async function groupRanges(): Promise<[number, number][]> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(PATH));
  return metadata.row_groups.map((g) => {
    const starts = g.columns.map((c) => Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset));
    const ends = g.columns.map((c, i) => starts[i] + Number(c.meta_data!.total_compressed_size));
    return [Math.min(...starts), Math.max(...ends)];
  });
}

class Crash extends Error {}

for (const k of [1, 3]) {
  test(`interrupted after row group ${k} of 5: the resumed read equals an uninterrupted one and skips stored groups`, async () => {
    const whole = await readParquet(PATH, 'types.parquet');
    const checkpoint = memoryCheckpoint();
    let groups = 0;
    await assert.rejects(
      readParquet(PATH, 'types.parquet', { checkpoint, onProgress: () => { if (++groups === k) throw new Crash('worker died'); } }),
      Crash,
    );
    const saved = checkpoint.saved as ChunkCheckpoint;
    assert.equal(saved.position, k);
    assert.equal(saved.rows, 8 * k);
    assert.equal(saved.parts.length, k);

    const file = await countingFile();
    const resumedGroups: string[] = [];
    const resumed = await readParquet(file, 'types.parquet', { checkpoint, onProgress: (p) => resumedGroups.push(p.detail) });
    assertSameTable(resumed, whole);
    assert.equal(resumedGroups.length, 5 - k, 'only the groups after the checkpoint are read');
    assert.match(resumedGroups[0], new RegExp(`^row group ${k + 1} of 5`));
    const ranges = await groupRanges();
    for (const [start, end] of file.reads) {
      for (const [g, [gs, ge]] of ranges.slice(0, k).entries()) {
        assert.ok(end <= gs || start >= ge, `read ${start}..${end} overlaps stored row group ${g + 1} (${gs}..${ge})`);
      }
    }
    assert.equal(checkpoint.saved?.position, 5);
  });
}

test('a checkpoint of another file (fingerprint differs) is ignored: the read starts over', async () => {
  const checkpoint = memoryCheckpoint();
  checkpoint.saved = { fingerprint: 'parquet:other.parquet:1:2', position: 4, rows: 32, parts: ['missing'] };
  let groups = 0;
  const table = await readParquet(PATH, 'types.parquet', { checkpoint, onProgress: () => groups++ });
  assert.equal(groups, 5);
  assert.equal(table.rows, 40);
});

test('minIntervalMs batches chunks: several row groups are stored as one part', async () => {
  const checkpoint = memoryCheckpoint(60_000);
  await readParquet(PATH, 'types.parquet', { checkpoint });
  assert.equal(checkpoint.saved, null, 'no save before the interval has passed');
  const eager = memoryCheckpoint(0);
  await readParquet(PATH, 'types.parquet', { checkpoint: eager });
  assert.equal(eager.saved?.parts.length, 5);
});
