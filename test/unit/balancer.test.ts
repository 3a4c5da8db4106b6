// The cluster's balancer: per-request round-robin over keep-alive clients, bodies and headers passed, a dead replica skipped.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startBalancer, type Balancer } from '../../stack/balancer.js';
import { freePort } from '../harness.js';

let replicas: Server[];
let ports: number[];
let balancer: Balancer;

/** A replica that answers with its name, the body it got and the forwarded-for header. */
function replica(name: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-replica': name }).end(JSON.stringify({ name, body: Buffer.concat(chunks).toString(), via: req.headers['x-forwarded-for'], path: req.url })));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  replicas = [await replica('r1'), await replica('r2')];
  ports = replicas.map((s) => (s.address() as AddressInfo).port);
  balancer = await startBalancer('127.0.0.1', await freePort(), ports);
});
after(async () => {
  await balancer?.close();
  for (const s of replicas ?? []) s.close();
});

const post = async (body: string) => {
  const res = await fetch(`${balancer.url}/v1/x?y=1`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  return { status: res.status, replica: res.headers.get('x-replica'), json: (await res.json()) as { name: string; body: string; via: string; path: string; message?: string } };
};

test('requests on one keep-alive connection reach both replicas, with body, path and headers intact', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    const r = await post(`body-${i}`);
    assert.deepEqual([r.status, r.json.body, r.json.path, r.json.via], [201, `body-${i}`, '/v1/x?y=1', '127.0.0.1']);
    seen.push(r.json.name);
  }
  // 60 draws of a fair coin: fewer than 10 on a side has probability below 1e-7.
  for (const name of ['r1', 'r2']) assert.ok(seen.filter((n) => n === name).length >= 10, `${name}: ${seen.join(' ')}`);
  assert.deepEqual([...balancer.handed.values()].reduce((a, b) => a + b, 0), 60);
});

test('a client alternating two kinds of request (predict, feedback) has each kind served by both replicas', async () => {
  const byKind: Record<string, Set<string>> = { predict: new Set(), feedback: new Set() };
  for (let i = 0; i < 40; i++) {
    const kind = i % 2 === 0 ? 'predict' : 'feedback';
    const res = await fetch(`${balancer.url}/v1/${kind}`, { method: 'POST', body: '{}' });
    byKind[kind].add(((await res.json()) as { name: string }).name);
  }
  assert.deepEqual([[...byKind.predict].sort(), [...byKind.feedback].sort()], [['r1', 'r2'], ['r1', 'r2']]);
});

test('a body over the limit is refused with a 413 that names the limit, and reaches no replica', async () => {
  const small = await startBalancer('127.0.0.1', await freePort(), ports, 1000);
  try {
    const res = await fetch(`${small.url}/v1/x`, { method: 'POST', body: 'x'.repeat(5000) });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { message: string }).message, /limited to 1000 bytes/);
    assert.deepEqual([...small.handed.values()], [0, 0]);
  } finally {
    await small.close();
  }
});

test('a replica that is down is skipped; with none left the client gets a 503 that says so', async () => {
  await new Promise<void>((done) => {
    replicas[0].close(() => done());
    replicas[0].closeAllConnections();
  });
  for (let i = 0; i < 6; i++) assert.equal((await post('x')).json.name, 'r2');
  await new Promise<void>((done) => {
    replicas[1].close(() => done());
    replicas[1].closeAllConnections();
  });
  const none = await post('x');
  assert.equal(none.status, 503);
  assert.match(none.json.message ?? '', /^no serving replica accepts connections \(2 tried\)/);
});
