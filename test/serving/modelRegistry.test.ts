// Tests for the model registry: loads deployments, logs and skips unverified models, survives a lost LISTEN connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { DEPLOYMENTS_CHANNEL, deployVersion } from '../../lib/store/models.js';
import { ModelRegistry } from '../../serving/modelRegistry.js';
import { ScoringPool } from '../../lib/scoring/scoringPool.js';
import { registerFixture, startTestStack, waitFor, TINY_A, TINY_B, type TestStack } from './harness.js';

let stack: TestStack;
let pool: ScoringPool;
let registry: ModelRegistry;
const errors: string[] = [];

before(async () => {
  stack = await startTestStack();
  pool = new ScoringPool({ threads: 1 });
  const a = await registerFixture(stack, 'alpha', TINY_A, 'run-a1');
  await deployVersion(stack.db, 'alpha', a.version, 0, 'test');
  // 'beta' is deployed, but its artifact was tampered with after it was stored.
  const bytes = Buffer.from('beta model bytes');
  const ref = await stack.artifacts.put(bytes);
  await writeFile(stack.artifacts.pathOf(ref.sha256), 'tampered');
  await stack.db.query(
    `INSERT INTO model_versions (name, version, run_id, uri, sha256, dataset_id, metrics, card)
     SELECT 'beta', 1, 'run-b1', $1, $2, dataset_id, metrics, card FROM model_versions WHERE name = 'alpha'`,
    [ref.uri, ref.sha256],
  );
  await deployVersion(stack.db, 'beta', 1, 0, 'test');
  registry = await ModelRegistry.start({
    db: stack.db,
    artifacts: stack.artifacts,
    pool,
    reconnectMs: 100,
    log: { info: () => undefined, error: (obj, msg) => errors.push(`${msg}: ${(obj as { err?: Error }).err?.message ?? ''}`) },
  });
});
after(async () => {
  await registry?.close();
  await pool?.close();
  await stack?.stop();
});

test('serves the verified deployment and leaves out the tampered one, saying why', () => {
  assert.deepEqual(registry.list().map((m) => m.name), ['alpha']);
  const alpha = registry.get('alpha');
  assert.equal(alpha?.champion.version, 1);
  assert.equal(alpha?.challenger, null);
  assert.equal(registry.get('beta'), undefined);
  assert.ok(errors.some((e) => e.includes('champion not loaded') && e.includes('corrupt')), errors.join('\n'));
});

test('after the LISTEN connection is killed, it reconnects and catches up on changes made meanwhile', async () => {
  const killed = await stack.db.query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
    [`LISTEN ${DEPLOYMENTS_CHANNEL}`],
  );
  assert.equal(killed.rows.length, 1, 'one listener connection');
  const b = await registerFixture(stack, 'alpha', TINY_B, 'run-a2');
  await deployVersion(stack.db, 'alpha', b.version, 0.25, 'while disconnected');
  assert.ok(await waitFor(async () => registry.get('alpha')?.challenger?.version === 2, 5000), 'challenger picked up');
  assert.equal(registry.get('alpha')?.challengerWeight, 0.25);
  assert.ok(errors.some((e) => e.includes('lost the LISTEN connection')));
  // And notifications flow again on the new connection.
  await stack.db.query(`UPDATE deployments SET challenger_weight = 0.75 WHERE model_name = 'alpha'`);
  await stack.db.query('SELECT pg_notify($1, $2)', [DEPLOYMENTS_CHANNEL, 'alpha']);
  assert.ok(await waitFor(async () => registry.get('alpha')?.challengerWeight === 0.75, 2000));
});

test('a removed deployment stops being served; a promotion reuses the loaded version', async () => {
  const before = registry.get('alpha');
  await stack.db.query(`UPDATE deployments SET champion_version = 2, challenger_version = NULL, challenger_weight = 0 WHERE model_name = 'alpha'`);
  await registry.reload('alpha');
  const promoted = registry.get('alpha');
  assert.equal(promoted?.champion.version, 2);
  assert.equal(promoted?.challenger, null);
  assert.equal(promoted?.champion, before?.challenger, 'same loaded version object, no reload from the store');
  await stack.db.query(`DELETE FROM deployments WHERE model_name = 'alpha'`);
  await registry.reload('alpha');
  assert.equal(registry.size, 0);
});

test('a deploy repeated (its activity retried after a lost worker) changes nothing and writes no second audit row', async () => {
  const g = await registerFixture(stack, 'gamma', TINY_A, 'run-g1');
  const h = await registerFixture(stack, 'gamma', TINY_B, 'run-g2');
  const audits = async (): Promise<string[]> =>
    (await stack.db.query<{ a: string }>("SELECT action || ' ' || subject AS a FROM audit_log WHERE subject LIKE 'gamma@%' AND action LIKE 'deploy_%' ORDER BY id")).rows.map((r) => r.a);
  for (let i = 0; i < 2; i++) assert.equal((await deployVersion(stack.db, 'gamma', g.version, 0, 'first')).role, 'champion');
  for (let i = 0; i < 2; i++) assert.equal((await deployVersion(stack.db, 'gamma', h.version, 0.1, 'canary')).role, 'challenger');
  assert.deepEqual(await audits(), [`deploy_champion gamma@${g.version}`, `deploy_challenger gamma@${h.version}`]);
  // A real change is still one more row.
  await deployVersion(stack.db, 'gamma', h.version, 0.5, 'wider');
  assert.equal((await audits()).length, 3);
});
