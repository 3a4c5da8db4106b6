// The prediction record's spill line: versioned, validated on replay; an old line loads, a bad one is kept aside with its reason.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newRequestBase, parseSpillLine, recordOfEntry, spillLine, SPILL_VERSION, type LegacyEntry, type PredictionBatch, type PredictionRecord } from '../../lib/store/predictionRows.js';
import { SpillFile } from '../../serving/spill.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-spill-line-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (requestId: string): LegacyEntry => ({
  requestId, modelName: 'tiny', modelVersion: 1, variant: 'champion', unit: null, at: 1_765_000_000_000,
  layout: { numeric: ['x'], categorical: ['c'], classes: ['a', 'b'] }, num: [1.5], cat: [null], extra: null,
  label: 'a', prob: [0.75, 0.25], value: null, latencyMs: 2,
});
/** A request of n instances with server-made ids, its second half answered by this variant (idx), one with an extra field. */
const record = (n: number): PredictionRecord => ({
  requestBase: newRequestBase('0193a5c2-7b4d-4c1a-9e55-3f2c8a1e9d01'), requestIds: null, idx: Array.from({ length: n }, (_, i) => n + i),
  modelName: 'tiny', modelVersion: 1, variant: 'challenger', at: 1_765_000_000_000, layout: { numeric: ['x'], categorical: ['c'], classes: ['a', 'b'] }, n,
  num: Array.from({ length: n }, (_, i) => (i === 0 ? null : i / 2)), cat: Array.from({ length: n }, () => 'red'),
  extra: Array.from({ length: n }, (_, i) => (i === 1 ? { note: 'kept' } : null)), label: Array.from({ length: n }, () => 'a'),
  prob: Array.from({ length: n }, () => [0.75, 0.25]).flat(), value: null, units: Array.from({ length: n }, (_, i) => (i % 2 ? 'u1' : null)), latencyMs: 2,
});
const batch = (id: string, n: number): PredictionBatch => ({ batchId: id, records: [record(n)] });
/** A line as versions 0 and 1 wrote it: one entry per instance. */
const legacy = (id: string, n: number, v?: number): string =>
  JSON.stringify({ ...(v === undefined ? {} : { v }), batchId: id, entries: Array.from({ length: n }, (_, i) => entry(`${id}-${i}`)) });

test('a batch round-trips through its spill line, which names its format version', () => {
  const line = spillLine(batch('b1', 2));
  assert.equal((JSON.parse(line) as { v: number }).v, SPILL_VERSION);
  assert.deepEqual(parseSpillLine(line), { batch: batch('b1', 2) });
});

test('lines of the per-instance formats (no "v", and v 1) still load, one record per entry with its request id as sent', () => {
  for (const v of [undefined, 1]) {
    const read = parseSpillLine(legacy('old', 2, v)) as { batch: PredictionBatch };
    assert.deepEqual(read.batch, { batchId: 'old', records: [entry('old-0'), entry('old-1')].map(recordOfEntry) });
    assert.deepEqual(read.batch.records[1].requestIds, ['old-1']);
  }
});

test('what cannot be read is named: a torn line, a newer format, a field of the wrong kind', () => {
  const torn = spillLine(batch('b2', 1)).slice(0, 40);
  assert.match((parseSpillLine(torn) as { problem: string }).problem, /^not JSON .*cut short by a crash/);
  assert.match((parseSpillLine(JSON.stringify({ ...batch('b3', 1), v: 9 })) as { problem: string }).problem, /^format version 9 is newer than this build reads \(2\)$/);
  const wrong = { v: 1, batchId: 'b4', entries: [{ ...entry('r'), modelVersion: 'one' }] };
  assert.match((parseSpillLine(JSON.stringify(wrong)) as { problem: string }).problem, /^entries\.0\.modelVersion: /);
  const short = { v: 2, batchId: 'b5', records: [{ ...record(3), prob: [0.5, 0.5] }] };
  assert.match((parseSpillLine(JSON.stringify(short)) as { problem: string }).problem, /^records\.0\.prob: has 2 values for 3 instances × 2$/);
  const both = { v: 2, batchId: 'b6', records: [{ ...record(1), requestIds: ['x'] }] };
  assert.match((parseSpillLine(JSON.stringify(both)) as { problem: string }).problem, /^records\.0\.requestBase: exactly one of requestBase and requestIds/);
});

test('a replay writes every readable batch in order and keeps each unreadable line aside with its place and reason', async () => {
  const rejected: string[] = [];
  const spill = new SpillFile(join(dir, 'predictions.jsonl'), 1 << 20, (reason) => rejected.push(reason));
  await spill.open();
  await spill.append([batch('a', 2)]);
  await appendFile(spill.path, `${legacy('legacy', 1)}\n${spillLine(batch('c', 1)).slice(0, 30)}\n`);
  await spill.append([batch('d', 3)]);
  const written: string[] = [];
  const rows = await spill.replay(async (b) => void written.push(b.batchId));
  assert.deepEqual(written, ['a', 'legacy', 'd']);
  assert.equal(rows, 6);
  assert.equal(spill.rejected, 1);
  assert.equal(rejected.length, 1);
  assert.match(rejected[0], /predictions\.jsonl\.replaying:3: not JSON/);
  const kept = (await readFile(spill.rejectedPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; line: string });
  assert.equal(kept.length, 1);
  assert.equal(kept[0].line, spillLine(batch('c', 1)).slice(0, 30), 'the line itself is kept, byte for byte');
  assert.equal(spill.bytes, 0);
});
