// `mlcycle validate` as other tools call it: exit 0 when the data passes, 1 when a check fails, 2 when unreadable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';

const train = join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv');
const replay = join(PROJECT_ROOT, 'examples/seattle-weather/replay-2014-2015.csv');
let dir: string;

function validate(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'validate', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-validate-'));
});

test('passing data: exit 0, a summary, the schema written for a person to edit, and the HTML report', async () => {
  const schemaPath = join(dir, 'schema.json');
  const r = validate([train, '--pipeline', 'seattle-weather', '--write-schema', schemaPath, '--out', join(dir, 'a')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Validation passed/);
  assert.ok(existsSync(join(dir, 'a', 'validation.html')));
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as { columns: { name: string; kind: string }[] };
  assert.deepEqual(schema.columns.map((c) => c.name), ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather']);
});

test('a check that fails: exit 1 and the failing column named (an edited schema, skew against a reference)', async () => {
  const schemaPath = join(dir, 'strict.json');
  validate([train, '--write-schema', schemaPath, '--out', join(dir, 'b')]);
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as { columns: { name: string; max?: number }[] };
  schema.columns.find((c) => c.name === 'temp_max')!.max = 10; // a person narrows the range
  await writeFile(schemaPath, JSON.stringify(schema));
  const r = validate([replay, '--schema', schemaPath, '--reference', train, '--out', join(dir, 'c')]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /ERROR.*temp_max/);
  assert.match(r.out, /report: .*validation\.html/);
});

test('data that cannot be read: exit 2 naming the file and the row', async () => {
  const ragged = join(dir, 'ragged.csv');
  await writeFile(ragged, 'a,b\n1,2\n3,4,5\n');
  const r = validate([ragged, '--out', join(dir, 'd')]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /ragged\.csv/);
  assert.match(r.out, /3 fields/);
  const badSchema = join(dir, 'bad-schema.json');
  await writeFile(badSchema, '{"version": 7, "columns": []}');
  const s = validate([train, '--schema', badSchema, '--out', join(dir, 'e')]);
  assert.equal(s.code, 2, s.out);
  assert.match(s.out, /version 7 is not supported/);
});
