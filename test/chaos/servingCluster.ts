// The chaos suite's serving setup on the cluster topology: a PostgreSQL the suite controls, a tiny model deployed, replicas ready.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { deployVersion } from '../../lib/store/models.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { registerModelBytes, TINY_A, tinyCard } from '../serving/harness.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { startChaosPostgres, type ChaosPostgres } from './postgres.js';

export const MODEL = 'chaos';

export interface ServingCluster {
  cluster: TestCluster;
  pg: ChaosPostgres;
  teardown(): Promise<void>;
}

/** One instance of the tiny classifier's inputs (x1 numeric, color categorical), varied by i. */
export const tinyInstance = (i: number): Record<string, unknown> => ({ x1: (i % 17) - 8, color: i % 3 === 0 ? 'blue' : 'red' });

/** Replicas that have ended without being told to (a crash is a finding of the scenario, not noise). */
export function deadReplicas(c: TestCluster): string[] {
  const latest = new Map<string, { code: number | null; signal: string | null }>();
  for (const p of c.processes) if (p.name.startsWith('serving-')) latest.set(p.name, { code: p.child.exitCode, signal: p.child.signalCode });
  return [...latest].filter(([, e]) => e.code !== null || e.signal !== null).map(([name, e]) => `${name} (${e.code ?? e.signal})`);
}

/** Waits until `url` answers a prediction of the chaos model with 200. */
export async function servingReady(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const res = await fetch(`${url}/v1/models/${MODEL}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [tinyInstance(0)] }) }).catch((err: Error) => err);
    if (!(res instanceof Error) && res.status === 200) return;
    last = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
    await sleep(250);
  }
  throw new Error(`${url} did not serve model '${MODEL}' within ${timeoutMs} ms: ${last}`);
}

export async function startServingCluster(o: { workers?: number; replicas?: number } = {}): Promise<ServingCluster> {
  const pg = await startChaosPostgres();
  let cluster: TestCluster | undefined;
  try {
    cluster = await startTestCluster({ databaseUrl: pg.url, workers: o.workers ?? 0, replicas: o.replicas ?? 2 });
    const artifacts = openArtifactStore(cluster.env.artifactDir, { ...process.env, ...cluster.info.clientEnv });
    const v = await registerModelBytes({ db: cluster.db, artifacts }, MODEL, await readFile(TINY_A), 'chaos-run', tinyCard);
    await deployVersion(cluster.db, MODEL, v.version, 0, 'chaos');
    for (const r of cluster.info.replicas) await servingReady(r.url);
  } catch (err) {
    await cluster?.teardown().catch(() => undefined);
    await pg.teardown();
    throw err;
  }
  const c = cluster;
  return {
    cluster: c, pg,
    teardown: async () => {
      await c.teardown();
      await pg.teardown();
    },
  };
}
