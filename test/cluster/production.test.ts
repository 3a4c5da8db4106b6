// The production topology as a team runs it: mTLS, the CLI and the demo's story unchanged, work shared by 2 workers and 2 replicas, the codec, the Web UI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { runDemoStory } from '../../triggers/demo.js';
import { makeTlsFiles } from '../tlsFiles.js';
import { startTestCluster, type TestCluster } from './harness.js';
import { screenshotWebUi } from './webUi.js';

type Payload = temporal.api.common.v1.IPayload;
type Event = temporal.api.history.v1.IHistoryEvent;

let cluster: TestCluster;
let certs: string;
let story: Awaited<ReturnType<typeof runDemoStory>>;

before(async () => {
  certs = await mkdtemp(join(tmpdir(), 'mlcycle-cluster-tls-'));
  const pem = makeTlsFiles(certs);
  cluster = await startTestCluster({
    workers: 2, replicas: 2,
    tls: {
      certFile: pem.serverCert, keyFile: pem.serverKey, caFile: pem.caCert, clientCaFile: pem.caCert, serverName: 'localhost',
      systemWorkerCertFile: pem.clientCert, systemWorkerKeyFile: pem.clientKey, clientCertFile: pem.clientCert, clientKeyFile: pem.clientKey,
    },
  });
});

after(async () => {
  await cluster?.teardown();
  if (certs) await rm(certs, { recursive: true, force: true });
});

/** `npx mlcycle …` in a child process, configured only by the cluster's state folder (stack.json). */
function mlcycle(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'triggers/cli.ts'), ...args], {
    cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...cluster.cliEnv }, encoding: 'utf8', timeout: 600_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

async function connectError(o: Parameters<typeof Connection.connect>[0]): Promise<string> {
  try {
    const connection = await Connection.connect({ ...o, connectTimeout: 5000 });
    // The handshake may be lazy: a call proves the connection is refused.
    await connection.workflowService.getSystemInfo({});
    await connection.close();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

test('the frontend speaks mTLS only: no TLS, or TLS without a client certificate, is refused; the cluster client gets in', async () => {
  const address = cluster.info.temporalAddress;
  assert.notEqual(await connectError({ address }), 'connected', 'plaintext');
  const ca = readFileSync(join(certs, 'ca.pem'));
  assert.notEqual(await connectError({ address, tls: { serverRootCACertificate: ca, serverNameOverride: 'localhost' } }), 'connected', 'TLS without a client certificate');
  assert.ok(cluster.info.clientEnv.TEMPORAL_TLS_CLIENT_CERT_PATH, 'stack.json tells clients which certificate to present');
  const info = await cluster.client.connection.workflowService.getSystemInfo({});
  assert.ok(info.capabilities, 'the harness client (the cluster certificate) is served');
});

test('`mlcycle run` against the cluster, configured by nothing but its state folder, trains, registers and serves a model', async () => {
  const run = mlcycle(['run', 'cars-mpg']);
  assert.equal(run.status, 0, run.out);
  assert.match(run.out, /cars-mpg@1/);
  const status = mlcycle(['status', '--json']);
  assert.equal(status.status, 0, status.out);
  assert.match(status.out, /"cars-mpg"/);
});

test("the demo's story runs unchanged on the cluster: champion, drift, one retrain, a promoted rollout, a refused one, a repair", async () => {
  const artifacts = openArtifactStore(cluster.env.artifactDir, { ...process.env, ...cluster.info.clientEnv });
  story = await runDemoStory({ info: cluster.info, db: cluster.db, client: cluster.client, artifacts, app: null, worker: null, stop: async () => undefined });
  const { first, breach, retrained, rollout, repair } = story;
  assert.deepEqual([first.model.version, first.deployment?.role], [1, 'champion']);
  assert.equal(breach.window.breached, true);
  assert.deepEqual([retrained.model.version, retrained.deployment?.stage], [2, 'shadow']);
  assert.deepEqual([rollout.promoted.status, rollout.promoted.decision?.by], ['promoted', 'test']);
  assert.deepEqual([rollout.rolledBack.status, rollout.rolledBack.challengerVersion], ['rolled back', 1]);
  assert.deepEqual(repair.round.decisions.filter((d) => d.action === 'restart').map((d) => d.step), ['notify']);
  assert.equal(repair.healed.steps.find((s) => s.id === 'optimize')?.state, 'reused');
  // Every answer the replicas gave is in the one prediction log.
  const answered = 365 + rollout.promotedTraffic.requests + rollout.rolledBackTraffic.requests;
  const logged = await cluster.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM predictions WHERE model_name = 'seattle-weather' AND variant IN ('champion', 'challenger')");
  assert.equal(logged.rows[0].n, answered);
});

async function executions(query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const w of cluster.client.workflow.list({ query })) out.push(w);
  return out;
}

test("two workers share the work: the runs' activities were started by both worker processes", async () => {
  assert.ok(story, 'the demo story ran');
  const pids = cluster.info.workers.map((w) => String(w.pid));
  const byWorker = new Map<string, number>();
  for (const w of await executions('WorkflowType="lifecycleWorkflow"')) {
    const events: Event[] = (await cluster.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    for (const e of events) {
      const identity = e.activityTaskStartedEventAttributes?.identity;
      if (identity) byWorker.set(identity, (byWorker.get(identity) ?? 0) + 1);
    }
  }
  const identities = [...byWorker.keys()];
  assert.equal(identities.length, 2, `activity workers: ${JSON.stringify(Object.fromEntries(byWorker))}`);
  for (const pid of pids) assert.ok(identities.some((id) => id.startsWith(`${pid}@`)), `worker pid ${pid} ran activities: ${identities.join(', ')}`);
});

/** The sum of a counter over its labels, from a replica's Prometheus text. */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

test('two serving replicas share the traffic that reached the one address', async () => {
  assert.ok(story, 'the demo story ran');
  const answers = await Promise.all(cluster.info.replicas.map((r) => counter(r.url, 'mlcycle_predictions_total')));
  const handed = JSON.stringify(Object.fromEntries(cluster.balancer.handed));
  for (const [i, n] of answers.entries()) assert.ok(n > 50, `replica ${i + 1} answered ${n} instances (all: ${answers.join(', ')}; requests the balancer handed by port: ${handed})`);
});

test('a history read raw is ciphertext; the codec endpoint behind the balancer gives back the original', async () => {
  const [run] = (await executions('WorkflowType="lifecycleWorkflow"')).filter((w) => w.workflowId.startsWith('lifecycle:cars-mpg:'));
  assert.ok(run, 'the cars-mpg run');
  const raw = new Client({ connection: cluster.client.connection, namespace: cluster.info.namespace });
  const events = (await raw.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
  const input = events[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
  assert.equal(Buffer.from(input.metadata?.encoding ?? []).toString(), 'binary/encrypted');
  assert.ok(!Buffer.from(input.data ?? []).toString('latin1').includes('cars-mpg'), 'no pipeline name in clear');
  const b64 = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('base64');
  const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(input.data) }] };
  const response = await fetch(`${cluster.info.httpUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': cluster.info.namespace }, body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  const [decoded] = ((await response.json()) as { payloads: { data: string }[] }).payloads;
  assert.equal((JSON.parse(Buffer.from(decoded.data, 'base64').toString()) as { pipeline: { name: string } }).pipeline.name, 'cars-mpg');
  // The Web UI's origin may call it from a browser (CORS preflight answered for it).
  const preflight = await fetch(`${cluster.info.httpUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: cluster.info.temporalUiUrl ?? '', 'access-control-request-method': 'POST' } });
  assert.equal(preflight.headers.get('access-control-allow-origin'), cluster.info.temporalUiUrl);
});

test('the Web UI (over mTLS to the frontend) lists the runs, and shows them decrypted in a real browser', async (t) => {
  const ui = cluster.info.temporalUiUrl ?? '';
  const listed = await fetch(`${ui}/api/v1/namespaces/${cluster.info.namespace}/workflows?query=${encodeURIComponent('WorkflowType="lifecycleWorkflow"')}`);
  assert.equal(listed.status, 200);
  const { executions: found } = (await listed.json()) as { executions: { execution: { workflowId: string } }[] };
  const ids = new Set(found.map((e) => e.execution.workflowId));
  const byPipeline = (name: string): string | undefined => [...ids].find((id) => id.startsWith(`lifecycle:${name}:`));
  for (const name of ['cars-mpg', 'seattle-weather', 'weather-steps']) assert.ok(byPipeline(name), `a run of ${name} in the UI's list: ${[...ids].join(', ')}`);
  const shot = await screenshotWebUi(ui, cluster.info.namespace, byPipeline('cars-mpg') ?? '', 'vega-datasets/data/cars.json', join(tmpdir(), 'mlcycle-cluster-web-ui.png'));
  process.stderr.write(`  the Web UI's page: ${join(tmpdir(), 'mlcycle-cluster-web-ui.png')}\n`);
  if (shot.skipped) return t.skip(shot.skipped);
  assert.ok(shot.bytes > 10_000, `a screenshot of ${shot.bytes} bytes`);
  assert.match(shot.text, /lifecycle:cars-mpg/, 'the run is on the page');
  assert.match(shot.text, /vega-datasets\/data\/cars\.json/, 'its input (the data path), decrypted by the codec endpoint');
});
