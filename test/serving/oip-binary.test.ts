// The OIP binary tensor data extension: tritonclient's and KServe's defaults, the framing on the wire, bad bodies refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { pythonWithKserve, pythonWithTritonClient, run } from '../pythonClient.js';
import { registerFixture, registerModelBytes, startTestStack, TINY_A, type TestStack } from './harness.js';
import { linearRegressorOnnx, regressionCard } from './regressionFixture.js';

let stack: TestStack;
let serving: ServingApp;
let address = '';
const script = (name: string) => fileURLToPath(new URL(`../fixtures/python/${name}`, import.meta.url));

before(async () => {
  stack = await startTestStack();
  const tiny = await registerFixture(stack, 'tiny', TINY_A, 'run-1');
  await deployVersion(stack.db, 'tiny', tiny.version, 0, 'first');
  const price = await registerModelBytes(stack, 'price', linearRegressorOnnx({ coefficients: [2, -3], intercepts: [0.5] }), 'run-p1', regressionCard());
  await deployVersion(stack.db, 'price', price.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
  address = (await serving.app.listen({ host: '127.0.0.1', port: 0 })).replace('http://', '');
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

type Instances = Record<string, number | string>[];
async function v1(model: string, instances: Instances) {
  const res = await serving.app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: { instances } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { predictions: { label?: string; probabilities?: Record<string, number>; value?: number }[] }).predictions;
}
const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

async function loggedCount(pattern: string): Promise<number> {
  const { rows } = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE $1', [pattern]);
  return rows[0].n;
}
/** Writes the prediction log out (the feedback endpoint flushes it first), so a count sees every answered instance. */
async function flushLog(requestId: string): Promise<void> {
  await serving.app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback: [{ requestId, label: 'no' }] } });
}

test('tritonclient with its defaults (binary in, binary out) gets the answers v1 gives, and every instance is logged', async () => {
  const python = await pythonWithTritonClient();
  const res = await run(python, [script('oip_binary_client.py'), address, 'tiny', 'price']);
  assert.equal(res.status, 0, res.stderr);
  type Answer = { binary: Record<string, boolean>; label: string[]; probabilities: number[][]; prediction: number[][] };
  const out = JSON.parse(res.stdout) as Record<'all_default' | 'named_default' | 'mixed' | 'gzip' | 'regressor', Answer> & { bad_rows: string };

  const expected = await v1('tiny', [{ x1: 1, color: 'red' }, { x1: -1, color: 'blue' }, { x1: 0.5, color: 'grün' }]);
  for (const key of ['all_default', 'named_default', 'mixed', 'gzip'] as const) {
    const a = out[key];
    assert.deepEqual(a.label, expected.map((p) => p.label), key);
    a.probabilities.forEach((row, i) => row.forEach((p, c) => close(p, Object.values(expected[i].probabilities ?? {})[c], 1e-6)));
  }
  assert.deepEqual(out.all_default.binary, { label: true, probabilities: true });
  assert.deepEqual(out.named_default.binary, { label: true, probabilities: true });
  assert.deepEqual(out.mixed.binary, { label: false, probabilities: true });

  const prices = await v1('price', [{ x1: 1.5, x2: 2 }, { x1: 0, x2: 0.25 }, { x1: -2, x2: 3 }, { x1: 10, x2: -1 }]);
  assert.deepEqual(out.regressor.binary, { prediction: true });
  assert.deepEqual(out.regressor.prediction, prices.map((p) => [p.value]));
  assert.match(out.bad_rows, /input "color" has 3 rows, "x1" 2/);

  await flushLog('bin-1-0');
  for (const id of ['bin-1', 'bin-2', 'bin-3', 'bin-5']) assert.equal(await loggedCount(`${id}-%`), 3, id);
  assert.equal(await loggedCount('bin-4-%'), 4);
  assert.equal(await loggedCount('bin-bad%'), 0);
});

test("KServe's v2 REST client (kserve from PyPI) sends binary tensors and reads JSON or binary outputs", async () => {
  const python = await pythonWithKserve();
  const res = await run(python, [script('oip_kserve_client.py'), `http://${address}`, 'tiny']);
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout) as Record<'json_outputs' | 'binary_outputs', { header: string | null; labels: string[]; probabilities: number[][] }>;
  const expected = await v1('tiny', [{ x1: 1, color: 'red' }, { x1: -1, color: 'blue' }, { x1: 0.5, color: 'green' }]);
  assert.equal(out.json_outputs.header, null);
  assert.match(out.binary_outputs.header ?? '', /^\d+$/);
  for (const a of [out.json_outputs, out.binary_outputs]) {
    assert.deepEqual(a.labels, expected.map((p) => p.label));
    a.probabilities.forEach((row, i) => row.forEach((p, c) => close(p, Object.values(expected[i].probabilities ?? {})[c], 1e-6)));
  }
});

/** A body in the binary extension: the JSON header, then each tensor's bytes; and the header length to send. */
function frame(header: object, ...tensors: Buffer[]): { body: Buffer; length: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...tensors]), length: json.length };
}
const f64 = (...v: number[]) => Buffer.from(new Float64Array(v).buffer);
const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);
function strings(...v: string[]): Buffer {
  return Buffer.concat(v.flatMap((s) => [Buffer.from(new Uint32Array([Buffer.byteLength(s)]).buffer), Buffer.from(s)]));
}
async function post(model: string, body: Buffer, headerLength: number | string | undefined, contentType = 'application/octet-stream') {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (headerLength !== undefined) headers['inference-header-content-length'] = String(headerLength);
  const res = await fetch(`http://${address}/v2/models/${model}/infer`, { method: 'POST', headers, body: new Uint8Array(body) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const input = (name: string, datatype: string, shape: number[], size: number) => ({ name, datatype, shape, parameters: { binary_data_size: size } });

test('on the wire: the JSON header of Inference-Header-Content-Length bytes, then each binary output in order', async () => {
  const { body, length } = frame(
    { id: 'wire-1', inputs: [input('x1', 'FP32', [2, 1], 8), input('x2', 'FP64', [2], 16)], outputs: [{ name: 'prediction', parameters: { binary_data: true } }] },
    f32(1, -1), f64(0.5, 2),
  );
  const res = await post('price', body, length);
  assert.equal(res.status, 200, res.bytes.toString());
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  const headerLength = Number(res.headers.get('inference-header-content-length'));
  const header = JSON.parse(res.bytes.subarray(0, headerLength).toString()) as { id: string; outputs: { name: string; datatype: string; shape: number[]; parameters: { binary_data_size: number }; data?: unknown }[] };
  assert.equal(header.id, 'wire-1');
  assert.deepEqual(header.outputs, [{ name: 'prediction', datatype: 'FP64', shape: [2, 1], parameters: { binary_data_size: 16 } }]);
  assert.equal(res.bytes.length, headerLength + 16);
  const values = [res.bytes.readDoubleLE(headerLength), res.bytes.readDoubleLE(headerLength + 8)];
  const expected = await v1('price', [{ x1: 1, x2: 0.5 }, { x1: -1, x2: 2 }]);
  assert.deepEqual(values, expected.map((p) => p.value));

  // The same request without binary outputs asked for answers plain JSON, with no length header.
  const plain = frame({ inputs: [input('x1', 'FP32', [2, 1], 8), input('x2', 'FP64', [2], 16)] }, f32(1, -1), f64(0.5, 2));
  const json = await post('price', plain.body, plain.length);
  assert.equal(json.status, 200);
  assert.equal(json.headers.get('inference-header-content-length'), null);
  assert.deepEqual((JSON.parse(json.bytes.toString()) as { outputs: { data: number[] }[] }).outputs[0].data, values);
});

test('bad binary bodies are answered 400 naming the input and the problem, and nothing of them is logged', async () => {
  const x1 = f64(1, -1);
  const color = strings('red', 'blue');
  const cases: [string, { body: Buffer; length: number | string }, RegExp][] = [
    ['length mismatch', frame({ id: 'refused-1', inputs: [input('x1', 'FP64', [2, 1], 12), input('color', 'BYTES', [2, 1], color.length)] }, x1.subarray(0, 12), color), /input "x1": binary_data_size 12 does not match shape \[2, 1\] of FP64 \(2 × 8 = 16 bytes\)/],
    ['header past the body', { ...frame({ id: 'refused-2', inputs: [input('x1', 'FP64', [2, 1], 16)] }, x1), length: 10_000 }, /Inference-Header-Content-Length says the JSON header has 10000 bytes, but the body has only \d+/],
    ['header length not a number', { ...frame({ id: 'refused-3', inputs: [] }), length: 'abc' }, /Inference-Header-Content-Length must be a byte count/],
    ['unknown datatype', frame({ id: 'refused-4', inputs: [input('x1', 'FP128', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length)] }, x1, color), /input "x1": datatype FP128 is not supported/],
    ['truncated BYTES', frame({ id: 'refused-5', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length - 2)] }, x1, color.subarray(0, color.length - 2)), /input "color": BYTES element 1 is truncated: its length says 4 bytes, 2 left/],
    ['BYTES count', frame({ id: 'refused-6', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], 7)] }, x1, strings('red')), /input "color": binary_data_size 7 holds 1 BYTES element\(s\), shape \[2, 1\] has 2/],
    ['size past the body', frame({ id: 'refused-7', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], 400)] }, x1, color), /input "color": binary_data_size 400 runs past the end of the body/],
    ['bytes left over', frame({ id: 'refused-8', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length)] }, x1, color, Buffer.alloc(3)), /3 bytes after the last binary input's data/],
    ['no data at all', frame({ id: 'refused-9', inputs: [{ name: 'x1', datatype: 'FP64', shape: [2, 1] }] }), /input "x1" has neither data nor parameters.binary_data_size/],
    ['bad size parameter', frame({ id: 'refused-10', inputs: [input('x1', 'FP64', [2, 1], -16)] }, x1), /input "x1": parameters.binary_data_size must be a byte count, got -16/],
    ['not UTF-8', frame({ id: 'refused-11', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], 10)] }, x1, strings('r'), Buffer.from([1, 0, 0, 0, 0xff])), /input "color": BYTES element 1 is not valid UTF-8/],
    ['unknown output', frame({ id: 'refused-12', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length)], outputs: [{ name: 'score', parameters: { binary_data: true } }] }, x1, color), /output "score" is not one of label, probabilities/],
    ['top-k classification', frame({ id: 'refused-14', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length)], outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] }, x1, color), /output "probabilities": parameters.classification is not supported/],
    ['shared memory', frame({ id: 'refused-15', inputs: [{ name: 'x1', datatype: 'FP64', shape: [2, 1], parameters: { shared_memory_region: 'r', shared_memory_byte_size: 16 } }] }), /input "x1": shared memory \(parameters.shared_memory_region\) is not supported/],
  ];
  for (const [what, { body, length }, message] of cases) {
    const res = await post('tiny', body, length);
    assert.equal(res.status, 400, `${what}: ${res.bytes.toString()}`);
    assert.match((JSON.parse(res.bytes.toString()) as { error: string }).error, message, what);
  }
  // binary_data_size without the length header: the body is JSON and says it has bytes it cannot have.
  const noHeader = await post('tiny', Buffer.from(JSON.stringify({ id: 'refused-13', inputs: [input('x1', 'FP64', [2, 1], 16)] })), undefined, 'application/json');
  assert.equal(noHeader.status, 400);
  assert.match(noHeader.bytes.toString(), /input \\"x1\\" has parameters.binary_data_size but the request has no Inference-Header-Content-Length header/);

  const empty = await post('tiny', Buffer.alloc(0), undefined, 'application/json');
  assert.equal(empty.status, 400, empty.bytes.toString());
  assert.match((JSON.parse(empty.bytes.toString()) as { error: string }).error, /body/);
  const gzipJunk = await fetch(`http://${address}/v2/models/tiny/infer`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: 'not gzip' });
  assert.equal(gzipJunk.status, 400);
  assert.match(((await gzipJunk.json()) as { error: string }).error, /body is not valid gzip data/);

  // Plain JSON still works whatever the Content-Type says.
  for (const contentType of ['application/json', 'text/plain']) {
    const json = Buffer.from(JSON.stringify({ id: `json-${contentType}`, inputs: [{ name: 'x1', datatype: 'FP64', shape: [1], data: [1] }, { name: 'color', datatype: 'BYTES', shape: [1], data: ['red'] }] }));
    const res = await post('tiny', json, undefined, contentType);
    assert.equal(res.status, 200, res.bytes.toString());
    assert.equal((JSON.parse(res.bytes.toString()) as { outputs: { name: string }[] }).outputs[0].name, 'label');
  }

  const good = frame({ id: 'accepted', inputs: [input('x1', 'FP64', [2, 1], 16), input('color', 'BYTES', [2, 1], color.length)] }, x1, color);
  assert.equal((await post('tiny', good.body, good.length)).status, 200);
  await flushLog('accepted-0');
  assert.equal(await loggedCount('accepted-%'), 2);
  assert.equal(await loggedCount('refused-%'), 0);
});

test('a binary infer needs a token with the score role like any other, when tokens are set', async () => {
  const guarded = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, tokens: [{ subject: 'client', token: 'binary-test-token-0123', roles: ['score'] }] });
  try {
    const { body, length } = frame({ inputs: [input('x1', 'FP32', [1], 4), input('x2', 'FP32', [1], 4)] }, f32(1), f32(2));
    const send = (headers: Record<string, string>) =>
      guarded.app.inject({ method: 'POST', url: '/v2/models/price/infer', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(length), ...headers }, payload: body });
    assert.equal((await send({})).statusCode, 401);
    const ok = await send({ authorization: 'Bearer binary-test-token-0123' });
    assert.equal(ok.statusCode, 200, ok.body);
  } finally {
    await guarded.close();
  }
});
