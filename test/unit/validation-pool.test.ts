// The training pool's validate op gives exactly runValidation's main-thread outcome; progress, typed errors, abort.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTrainingPool, type TrainingPool, type ValidationProgress, type ValidationRequest } from '../../activities/trainingPool.js';
import type { Expectation } from '../../lib/checks/expectations.js';
import { inferSchema, type DataSchema } from '../../lib/checks/schema.js';
import { runValidation, type FullValidationReport, type ValidationOutcome } from '../../lib/checks/suite.js';
import { loadPipeline } from '../../lib/config/pipeline.js';
import { ML_SECTIONS, requireSections, type MlPipeline as PipelineDefinition } from '../../lib/steps/sections.js';
import { DataError } from '../../lib/data/errors.js';
import { profileTable, type DatasetProfile } from '../../lib/data/profile.js';
import { decodeSnapshot, encodeSnapshot } from '../../lib/data/snapshot.js';
import { readSource } from '../../lib/data/sources/index.js';
import type { Table } from '../../lib/data/table.js';
import { ArtifactStore } from '../../lib/store/artifacts.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/seattle-weather/', import.meta.url));

let dir: string;
let store: ArtifactStore;
let pool: TrainingPool;
let pipeline: PipelineDefinition;
/** The clean 2012–2013 data: the reference (pinned schema, skew profile). */
let clean: { uri: string; table: Table; profile: DatasetProfile; schema: DataSchema };
/** The same data with a few bad rows, as loadSnapshot gives it to validateDataset. */
let bad: { uri: string; table: Table; profile: DatasetProfile };

/** Row (1-based data line) → column → new cell text. Six bad rows of 730: under the example's 2% quarantine. */
const DAMAGE: Record<number, Record<string, string>> = {
  3: { precipitation: '-3' }, // range expectation (and the pinned schema's range)
  50: { weather: 'hail' }, // allowedSet expectation and schema category
  51: { weather: 'hail' },
  200: { temp_max: '' }, // notNull expectation and schema nulls
  400: { wind: '500' }, // range expectation and schema range
  729: { precipitation: '-0.1', wind: '-1' },
};

async function damaged(path: string): Promise<string> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const names = header.split(',');
  for (const [row, cells] of Object.entries(DAMAGE)) {
    const values = lines[Number(row) - 1].split(',');
    for (const [name, value] of Object.entries(cells)) values[names.indexOf(name)] = value;
    lines[Number(row) - 1] = values.join(',');
  }
  const out = join(dir, 'damaged.csv');
  await writeFile(out, [header, ...lines].join('\n') + '\n');
  return out;
}

async function snapshot(path: string): Promise<{ uri: string; table: Table; profile: DatasetProfile }> {
  const ref = await store.put(encodeSnapshot(await readSource({ kind: 'file', path })));
  const table = decodeSnapshot(await store.get(ref.uri), ref.uri);
  // As ingest stores it and validateDataset reads it back (JSON).
  return { uri: ref.uri, table, profile: JSON.parse(JSON.stringify(profileTable(table))) as DatasetProfile };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-validatepool-'));
  store = new ArtifactStore(dir);
  pipeline = requireSections(await loadPipeline(join(EXAMPLE, 'pipeline.json')), ML_SECTIONS, 'the example');
  const train = join(EXAMPLE, 'train-2012-2013.csv');
  const c = await snapshot(train);
  clean = { ...c, schema: inferSchema(c.table) };
  bad = await snapshot(await damaged(train));
  pool = createTrainingPool({ threads: 2 });
  await pool.warmUp();
});

after(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

/** What validateDataset asks for on a later run (pinned schema, reference profile), as plain data. */
function request(over: Partial<ValidationRequest> = {}): ValidationRequest {
  const typed: Expectation[] = pipeline.features.numeric.map((f) => ({ expect: 'type', column: f, kind: 'numeric', id: `pipeline:feature:${f}`, severity: 'error' }));
  return {
    artifactsRoot: dir,
    snapshotUri: bad.uri,
    profile: bad.profile,
    sourceName: 'damaged.csv',
    schema: clean.schema,
    expectations: [...typed, ...pipeline.validation.expectations],
    skew: { reference: clean.profile, config: pipeline.validation.skew },
    quarantine: pipeline.validation.quarantine,
    rangeTolerance: pipeline.validation.rangeTolerance,
    ...over,
  };
}

/** The outcome without its timings (they differ from run to run). */
function untimed(outcome: ValidationOutcome): { report: FullValidationReport; keptRows?: Int32Array; quarantinedRows?: Int32Array } {
  const { report, keptRows, quarantinedRows } = outcome;
  return {
    report: { ...report, timingsMs: { profile: 0, schema: 0, expectations: 0, skew: 0 } },
    ...(keptRows ? { keptRows } : {}),
    ...(quarantinedRows ? { quarantinedRows } : {}),
  };
}

function direct(req: ValidationRequest): ValidationOutcome {
  const { artifactsRoot: _root, snapshotUri: _uri, inferSchema: _infer, ...input } = req;
  return runValidation({ ...input, table: bad.table });
}

test('a quarantine: the same report, kept and quarantined rows as runValidation on the main thread', async () => {
  const req = request();
  const expected = direct(req);
  assert.equal(expected.report.quarantine?.applied, true, 'the damaged rows are quarantined');
  assert.equal(expected.report.quarantine?.rows, Object.keys(DAMAGE).length);
  assert.equal(expected.report.ok, true);
  assert.ok(expected.report.expectations.some((e) => e.quarantined && e.sampleRows.length > 0));
  assert.ok(expected.report.schema?.issues.some((i) => i.severity === 'warning'));
  assert.ok(expected.report.skew.length > 0);
  const progress: ValidationProgress[] = [];
  const got = await pool.validate(req, { onProgress: (p) => progress.push(p) });
  assert.deepEqual(untimed(got), untimed(expected));
  assert.ok(got.keptRows instanceof Int32Array && got.quarantinedRows instanceof Int32Array);
  assert.deepEqual([...got.quarantinedRows].map((i) => i + 1), Object.keys(DAMAGE).map(Number));
  assert.equal(got.keptRows.length, bad.table.rows - Object.keys(DAMAGE).length);
  assert.equal(got.inferredSchema, undefined);
  assert.ok(got.ms > 0);
  assert.deepEqual(progress.map((p) => p.phase), ['reading', 'checking']);
  // The stored report is the same bytes as before.
  assert.equal((await store.putJson(got.report)).sha256, (await store.putJson({ ...expected.report, timingsMs: got.report.timingsMs })).sha256);
});

test('too many bad rows for the quarantine: the same failing report, and no rows', async () => {
  const req = request({ quarantine: { maxFraction: 0.001 } });
  const expected = direct(req);
  assert.equal(expected.report.ok, false);
  assert.equal(expected.report.quarantine?.applied, false);
  const got = await pool.validate(req);
  assert.deepEqual(untimed(got), untimed(expected));
  assert.equal(got.keptRows, undefined);
  assert.equal(got.quarantinedRows, undefined);
});

test('first data: the thread infers the schema as validateDataset did, and checks against it', async () => {
  const req = request({ schema: null, inferSchema: true, skew: undefined });
  const schema = inferSchema(bad.table);
  const expected = direct({ ...req, schema });
  const progress: ValidationProgress[] = [];
  const got = await pool.validate(req, { onProgress: (p) => progress.push(p) });
  assert.deepEqual(got.inferredSchema, schema);
  assert.deepEqual(untimed(got), untimed(expected));
  assert.deepEqual(progress.map((p) => p.phase), ['reading', 'inferring', 'checking']);
  // Without inferSchema: no schema checks at all, as runValidation without a schema.
  const none = await pool.validate({ ...req, inferSchema: false });
  assert.equal(none.report.schema, null);
  assert.deepEqual(untimed(none), untimed(direct({ ...req, inferSchema: false })));
});

test('a DataError in the thread comes back as a DataError; other errors keep their name', async () => {
  const unreadable = await store.put('not an arrow stream at all');
  const err = await pool.validate(request({ snapshotUri: unreadable.uri })).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DataError, `got ${String(err)}`);
  assert.match(err.message, /not readable as Arrow IPC/);
  assert.deepEqual(err.details, { source: unreadable.uri });
  const missing = `artifact://${'0'.repeat(64)}`;
  await assert.rejects(pool.validate(request({ snapshotUri: missing })), (e: Error) => !(e instanceof DataError) && /training worker thread/.test(e.stack ?? ''));
});

test('an aborted call rejects with an AbortError and the pool keeps working', async () => {
  await assert.rejects(pool.validate(request(), { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
  const later = await pool.validate(request());
  assert.equal(later.report.quarantine?.applied, true);
});
