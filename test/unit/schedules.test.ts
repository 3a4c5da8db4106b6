// Schedules from a definition without a server: the file pattern, the newest file, the wanted schedules, refused combinations.
import assert from 'node:assert/strict';
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchesPattern, newestMatchingFile } from '../../lib/data/newestFile.js';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { wantedSchedules } from '../../triggers/scheduleSpec.js';

test('patterns: * and ? are wildcards, everything else literal; dot files only when asked', () => {
  assert.ok(matchesPattern('weather-2024.csv', 'weather-*.csv'));
  assert.ok(matchesPattern('a1.csv', 'a?.csv'));
  assert.ok(!matchesPattern('a12.csv', 'a?.csv'));
  assert.ok(!matchesPattern('weatherXcsv', 'weather*.csv'), 'a dot is a dot');
  assert.ok(matchesPattern('x(1)+[2].csv', 'x(1)+[2].csv'), 'regex characters are literal');
  assert.ok(!matchesPattern('.hidden.csv', '*.csv'));
  assert.ok(matchesPattern('.hidden.csv', '.*.csv'));
});

test('the newest matching file wins by modification time, ties by name; folders and other names are ignored', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-newest-'));
  assert.equal(await newestMatchingFile(dir, '*.csv'), null);
  const at = (s: number): Date => new Date(1_700_000_000_000 + s * 1000);
  for (const [name, s] of [['a.csv', 1], ['b.csv', 3], ['c.csv', 3], ['z.txt', 9]] as const) {
    await writeFile(join(dir, name), name);
    await utimes(join(dir, name), at(s), at(s));
  }
  assert.equal((await newestMatchingFile(dir, '*.csv'))?.path, join(dir, 'c.csv'));
  await assert.rejects(newestMatchingFile(join(dir, 'nope'), '*.csv'), /cannot read folder .*nope: no such folder/);
});

const base = { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [0.1] } } } };

test('monitor and repair are always wanted; retrain only when declared; the folder is taken relative to the pipeline file', () => {
  const ref = { name: 'p', version: 'v1' };
  const plain = parsePipeline(base, 'test', '/defs');
  assert.deepEqual(wantedSchedules(plain, ref).map((w) => [w.scheduleId, w.specLine, w.paused]), [
    ['monitor:p', 'every 3600s', false],
    ['repair:p', 'every 300s', false],
  ]);
  const full = parsePipeline({ ...base, schedules: { retrain: { everySeconds: 600, source: { folder: 'in' } }, monitor: { everySeconds: 60, paused: true } } }, 'test', '/defs');
  assert.deepEqual(full.schedules.retrain?.source, { folder: '/defs/in', pattern: '*.csv' });
  assert.deepEqual(wantedSchedules(full, ref).map((w) => [w.scheduleId, w.specLine, w.paused]), [
    ['monitor:p', 'every 60s', true],
    ['retrain:p', 'every 600s', false],
    ['repair:p', 'every 300s', false],
  ]);
});

test('scheduled retraining on a query without a watermark is refused at check time, naming the path', () => {
  const query = { ...base, data: { postgres: { query: 'SELECT * FROM t' } }, schedules: { retrain: { cron: '0 3 * * *' } } };
  assert.throws(() => parsePipeline(query, 'test', '/'), (err: Error) => err instanceof PipelineError && /schedules\.retrain\.source: .*watermarkColumn/.test(err.message));
  const watermarked = { ...query, schedules: { retrain: { cron: '0 3 * * *', source: { postgres: { query: 'SELECT * FROM t', watermarkColumn: 'id' } } } } };
  assert.equal(parsePipeline(watermarked, 'test', '/').schedules.retrain?.cron, '0 3 * * *');
  assert.throws(() => parsePipeline({ ...base, schedules: { retrain: { cron: '0 3 * * *', everySeconds: 60 } } }, 'test', '/'), /exactly one of "cron" and "everySeconds"/);
});
