// Pii end to end: a dropped and a hashed column never reach a snapshot, the prediction log, its spill or any table in clear; erase --unit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeSnapshot } from '../../lib/data/snapshot.js';
import { readPiiKey, type PiiKey } from '../../lib/data/piiKey.js';
import { completeResult, startLifecycle } from '../../triggers/client.js';
import { startBatchScore } from '../../triggers/batchScore.js';
import { readSource } from '../../lib/data/sources/index.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { CLEAR, LABEL_OF, OTHERS, SUBJECT, cli, customersCsv, definition, emailOf, filesContaining, rowsContaining } from './piiFixture.js';

let stack: TestStack;
let dir: string;
let key: PiiKey;
const savedKey = process.env.MLCYCLE_PII_KEY;

before(async () => {
  // The in-process worker and serving replica read the key from the environment, as separate processes would.
  process.env.MLCYCLE_PII_KEY = randomBytes(32).toString('base64');
  key = readPiiKey() as PiiKey;
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-pii-'));
  await writeFile(join(dir, 'customers.csv'), customersCsv());
});
after(async () => {
  await stack?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (savedKey === undefined) delete process.env.MLCYCLE_PII_KEY;
  else process.env.MLCYCLE_PII_KEY = savedKey;
});

type Answer = { requestId: string; label: string };
async function predict(body: unknown): Promise<Answer[]> {
  const res = await fetch(`${stack.info.httpUrl}/v1/models/pii-shop/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { predictions: Answer[] }).predictions;
}
const health = async (): Promise<{ predictionLog: { spillBytes: number; postgresAway: boolean } }> => (await fetch(`${stack.info.httpUrl}/healthz`)).json() as never;
const count = async (sql: string, params: unknown[] = []): Promise<number> => (await stack.db.query<{ n: number }>(sql, params)).rows[0].n;

test('a dropped and a hashed field: snapshot, serving, log, spill and every table hold no clear value; erase --unit removes one subject', { timeout: 600_000 }, async () => {
  const run = await startLifecycle(stack, definition('pii-shop', join(dir, 'customers.csv'), { user_email: 'drop', customer_id: 'hash' }));
  const result = completeResult(await run.handle.result());
  assert.equal(result.deployment?.role, 'champion', 'served');

  // The snapshot: no email column; customer ids as keyed hashes (categorical), the same hashes a request will get.
  const snapshot = decodeSnapshot(await stack.artifacts.get(result.dataset.uri));
  assert.deepEqual(snapshot.columns.map((c) => [c.name, c.kind]), [['customer_id', 'categorical'], ['amount', 'numeric'], ['label', 'categorical']]);
  assert.deepEqual(new Set<unknown>(snapshot.columns[0].values), new Set<unknown>([SUBJECT, ...OTHERS].map((c) => key.hash(c))));
  const card = (await stack.db.query<{ card: { pii: unknown } }>("SELECT card FROM model_versions WHERE name = 'pii-shop'")).rows[0].card;
  assert.deepEqual(card.pii, { rules: { user_email: 'drop', customer_id: 'hash' }, keyId: key.id }, 'the version carries its rules and key id');

  // Serving hashes customer_id with the same key before scoring: each customer gets its own label back (a clear id
  // would be an unknown category to the model). The subject sends a unit id, an email and a field beyond the layout.
  const customers = [SUBJECT, ...OTHERS];
  const answers = await predict({
    instances: customers.map((c) => ({ customer_id: c, amount: 50, user_email: emailOf(c), note: 'gift wrap' })),
    unitIds: customers,
  });
  assert.deepEqual(answers.map((a) => a.label), customers.map((c) => LABEL_OF[c]));
  // The subject again, without a unit id: found by the hash of its customer_id (the unit is itself a hashed field).
  const [anonymous] = await predict({ instances: [{ customer_id: SUBJECT, amount: 10, user_email: emailOf(SUBJECT) }] });
  const fb = await fetch(`${stack.info.httpUrl}/v1/feedback`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ feedback: [...answers, anonymous].map((a) => ({ requestId: a.requestId, label: 'yes' })) }),
  });
  assert.equal(fb.status, 200, await fb.text());

  // Batch scoring applies the version's rules too: the stored chunks and the output hold hashes, scored as trained.
  const job = await startBatchScore(stack, { ref: 'pii-shop', data: join(dir, 'customers.csv'), out: join(dir, 'scored.parquet') });
  await job.handle.result();
  const scored = await readSource({ kind: 'file', path: join(dir, 'scored.parquet') });
  assert.ok(!scored.columns.some((c) => c.name === 'user_email'), 'the dropped field is not in the output');
  const ids = scored.columns.find((c) => c.name === 'customer_id')?.values as string[];
  const predicted = scored.columns.find((c) => c.name === 'predicted_label')?.values as string[];
  const byHash = new Map([SUBJECT, ...OTHERS].map((c) => [key.hash(c), LABEL_OF[c]]));
  assert.ok(ids.every((id, i) => byHash.get(id) === predicted[i]), 'every row hashed, and scored as its customer');

  // The spill: Postgres refuses the log's writes (its batch table renamed away) while 20,000 instances arrive.
  await stack.db.query('ALTER TABLE prediction_batches RENAME TO prediction_batches_away');
  const bulk = (n: number) => ({ instances: Array.from({ length: n }, (_, i) => ({ customer_id: SUBJECT, amount: i % 100, user_email: emailOf(SUBJECT) })), unitIds: Array.from({ length: n }, () => SUBJECT) });
  await predict(bulk(10_000));
  await eventually('the log to find Postgres away', 20_000, async () => ((await health()).predictionLog.postgresAway ? true : null));
  await predict(bulk(10_000));
  assert.ok((await health()).predictionLog.spillBytes > 0, 'spilled');
  const spillDir = join(stack.env.stateDir, 'spill');
  const spilled = (await filesContaining(spillDir, [key.hash(SUBJECT)])).length;
  assert.ok(spilled > 0, 'the spill holds the subject, hashed');
  assert.deepEqual(await filesContaining(spillDir, CLEAR), [], 'the spill holds no clear value');
  await stack.db.query('ALTER TABLE prediction_batches_away RENAME TO prediction_batches');
  await eventually('the spill to be replayed', 60_000, async () => ((await health()).predictionLog.spillBytes === 0 ? true : null));
  await eventually('every answer logged', 30_000, async () => ((await count('SELECT COUNT(*)::int AS n FROM predictions')) === 20_007 ? true : null));

  // Every logged column (extra and unit included), every table, every file of the stack's state: no clear value.
  const logged = await stack.db.query<{ unit_id: string | null; cat: string[]; extra: Record<string, unknown> | null }>(
    'SELECT unit_id, cat, extra FROM predictions WHERE request_id = $1', [answers[0].requestId],
  );
  assert.deepEqual(logged.rows[0], { unit_id: key.hash(SUBJECT), cat: [key.hash(SUBJECT)], extra: { note: 'gift wrap' } });
  assert.deepEqual(await rowsContaining(stack.db, CLEAR), []);
  await stack.db.query('CHECKPOINT'); // table pages on disk too, not only in memory
  assert.deepEqual(await filesContaining(stack.env.stateDir, CLEAR), []);
  assert.ok((await filesContaining(dir, [SUBJECT])).some((f) => f.includes('customers.csv')), 'the search finds a clear value where there is one');

  // Erase: bad input first, then a dry run (counts only), then the erasure, counted before and after by SQL.
  const subjectRows = 'SELECT COUNT(*)::int AS n FROM predictions WHERE unit_id = $1 OR $1 = ANY(cat)';
  const subjectLabels = `SELECT COUNT(*)::int AS n FROM feedback WHERE request_id IN (SELECT request_id FROM predictions WHERE unit_id = $1 OR $1 = ANY(cat))`;
  const before = { rows: await count(subjectRows, [key.hash(SUBJECT)]), labels: await count(subjectLabels, [key.hash(SUBJECT)]) };
  const others = { rows: await count('SELECT COUNT(*)::int AS n FROM predictions') - before.rows, labels: await count('SELECT COUNT(*)::int AS n FROM feedback') - before.labels };
  assert.deepEqual([before.rows, before.labels, others.rows, others.labels], [20_002, 2, 5, 5]);
  const missing = await cli(stack.env.stateDir, ['erase']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /required option '--unit <id>' not specified/);
  const empty = await cli(stack.env.stateDir, ['erase', '--unit', '']);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /--unit <id>' argument '' is invalid\. must not be empty/);
  const dry = await cli(stack.env.stateDir, ['erase', '--unit', SUBJECT, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: would remove 20002 logged prediction\(s\) and 2 label\(s\) of this unit/);
  assert.equal(await count(subjectRows, [key.hash(SUBJECT)]), before.rows, 'a dry run removes nothing');

  const erased = await cli(stack.env.stateDir, ['erase', '--unit', SUBJECT, '--reason', 'request #42 under GDPR art. 17']);
  assert.equal(erased.status, 0, erased.stderr);
  assert.match(erased.stdout, /removed 20002 logged prediction\(s\) and 2 label\(s\) of this unit \(matched as sent and as its keyed hash\)/);
  assert.match(erased.stdout, /predictions_\d{8} +20002 row\(s\)/);
  assert.match(erased.stdout, /feedback +2 row\(s\)/);
  assert.match(erased.stdout, /kept: drift aggregates/);
  assert.equal(await count(subjectRows, [key.hash(SUBJECT)]), 0);
  assert.equal(await count('SELECT COUNT(*)::int AS n FROM predictions'), others.rows, "others' answers stay");
  assert.equal(await count('SELECT COUNT(*)::int AS n FROM feedback'), others.labels, "others' labels stay");
  const audit = await stack.db.query<{ actor: string; subject: string; details: { reason: string; predictions: number; feedback: number } }>(
    "SELECT actor, subject, details FROM audit_log WHERE action = 'erase_unit'",
  );
  assert.equal(audit.rows.length, 1, 'the dry run wrote no audit row');
  assert.deepEqual([audit.rows[0].actor, audit.rows[0].subject], [`os:${userInfo().username} (self-declared)`, `unit:${key.hash(SUBJECT)}`], 'the OS account, not $USER (set to "dpo")');
  assert.deepEqual([audit.rows[0].details.reason, audit.rows[0].details.predictions, audit.rows[0].details.feedback], ['request #42 under GDPR art. 17', 20_002, 2]);
  const again = await cli(stack.env.stateDir, ['erase', '--unit', SUBJECT]);
  assert.match(again.stdout, /removed 0 logged prediction\(s\) and 0 label\(s\)/, 'nothing left');
});

/** Runs a lifecycle expected to fail and returns its failure. */
async function failure(name: string, pii: Record<string, 'drop' | 'hash'>): Promise<ApplicationFailure> {
  const run = await startLifecycle(stack, definition(name, join(dir, 'customers.csv'), pii));
  const err = await run.handle.result().then(() => assert.fail('the run should fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
  return err.cause;
}

test('fail closed: a misspelt pii name, or hashing without MLCYCLE_PII_KEY, stops ingest; nothing is stored', { timeout: 300_000 }, async () => {
  const typo = await failure('pii-typo', { user_mail: 'drop' });
  assert.equal(typo.type, 'DataError');
  assert.match(typo.message, /pii\.user_mail: .*customers\.csv has no column "user_mail"/);
  const key64 = process.env.MLCYCLE_PII_KEY;
  delete process.env.MLCYCLE_PII_KEY;
  try {
    const keyless = await failure('pii-keyless', { customer_id: 'hash' });
    assert.equal(keyless.type, 'BadDefinition');
    assert.match(keyless.message, /MLCYCLE_PII_KEY is not set: pipeline pii-keyless hashes pii field\(s\) customer_id/);
  } finally {
    process.env.MLCYCLE_PII_KEY = key64;
  }
  assert.equal(await count("SELECT COUNT(*)::int AS n FROM datasets WHERE pipeline IN ('pii-typo', 'pii-keyless')"), 0);
  assert.equal(await count("SELECT COUNT(*)::int AS n FROM model_versions WHERE name IN ('pii-typo', 'pii-keyless')"), 0);
  assert.ok((await readFile(join(dir, 'customers.csv'), 'utf8')).includes(SUBJECT), 'the source itself is the user\'s, untouched');
});
