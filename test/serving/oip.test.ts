// The Open Inference Protocol with a real client: tritonclient (PyPI) checks health, metadata and infer against v1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { pythonWithTritonClient, run } from '../pythonClient.js';
import { registerFixture, startTestStack, TINY_A, type TestStack } from './harness.js';

let stack: TestStack;
let serving: ServingApp;
let address = '';

before(async () => {
  stack = await startTestStack();
  const v1 = await registerFixture(stack, 'tiny', TINY_A, 'run-1');
  await deployVersion(stack.db, 'tiny', v1.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
  address = (await serving.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', '');
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

test('tritonclient talks to mlcycle unchanged: health, metadata, infer (same answers as v1), errors', async () => {
  const python = await pythonWithTritonClient();
  const script = fileURLToPath(new URL('../fixtures/python/oip_client.py', import.meta.url));
  const res = await run(python, [script, address, 'tiny']);
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout) as {
    live: boolean; ready: boolean; model_ready: boolean; inputs: [string, string][]; outputs: string[];
    labels: string[]; probabilities: number[][]; response_id: string; unknown_model: string; bad_rows: string;
  };
  assert.deepEqual([out.live, out.ready, out.model_ready], [true, true, true]);
  assert.deepEqual(out.inputs, [['x1', 'FP64'], ['color', 'BYTES']]);
  assert.deepEqual(out.outputs, ['label', 'probabilities']);
  assert.equal(out.response_id, 'oip-1');

  const v1 = await serving.app.inject({
    method: 'POST', url: '/v1/models/tiny/predict',
    payload: { instances: [{ x1: 1, color: 'red' }, { x1: -1, color: 'blue' }, { x1: 0.5, color: 'green' }] },
  });
  const expected = (v1.json() as { predictions: { label: string; probabilities: Record<string, number> }[] }).predictions;
  assert.deepEqual(out.labels, expected.map((p) => p.label));
  out.probabilities.forEach((row, i) => row.forEach((p, c) => assert.ok(Math.abs(p - Object.values(expected[i].probabilities)[c]) < 1e-6)));
  assert.match(out.unknown_model, /model "no-such-model" is not served/);
  assert.match(out.bad_rows, /input "color" has 3 rows, "x1" 2/);
  // Answers through v2 are logged like v1's (the request id from the protocol's id).
  await serving.app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback: [{ requestId: 'oip-1-0', label: out.labels[0] }] } });
  const logged = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE 'oip-1-%'");
  assert.equal(logged.rows[0].n, 3);
});
