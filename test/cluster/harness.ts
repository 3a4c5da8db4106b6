// Cluster test harness: the production topology (stack/cluster.ts) on free ports in a temporary state folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT, type MlcycleEnv } from '../../lib/config/env.js';
import { startCluster, type Cluster, type ClusterOptions } from '../../stack/cluster.js';
import { temporalConnectionOptions, temporalDataConverter } from '../../temporal/connectionOptions.js';
import { createDb, type Db } from '../../lib/store/db.js';
import { bindable } from '../harness.js';

/** A base port whose neighbourhood (−300 … +100) is free, below the ephemeral range and PostgreSQL's smallint limit. */
async function freeBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 21_000 + Math.floor(Math.random() * 100) * 100;
    const wanted = [base - 300, base - 299, base - 298, base - 294, ...Array.from({ length: 100 }, (_, i) => base + i)];
    let free = true;
    for (const p of wanted) if (!(await bindable(p))) { free = false; break; }
    if (free) return base;
  }
  throw new Error('no free block of ports found in 21000-31000');
}

export interface TestCluster extends Cluster {
  env: MlcycleEnv;
  /** A client with this cluster's TLS and codec (what `mlcycle` commands get from stack.json). */
  client: Client;
  db: Db;
  /** Environment for a child `mlcycle` command against this cluster. */
  cliEnv: Record<string, string>;
  teardown(): Promise<void>;
}

/** `databaseUrl`: a PostgreSQL the caller runs (the chaos suite stops and kills it); absent → the cluster's own. */
export async function startTestCluster(o: Omit<ClusterOptions, 'env'> & { databaseUrl?: string } = {}): Promise<TestCluster> {
  const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-cluster-'));
  const base = await freeBlock();
  const env: MlcycleEnv = {
    stateDir, artifactDir: join(stateDir, 'artifacts'), temporalAddress: undefined, temporalNamespace: 'default',
    temporalPort: base, temporalUiPort: base + 80, databaseUrl: o.databaseUrl, postgresPort: base + 81, httpPort: base + 85, httpHost: '127.0.0.1',
    tokens: null, dataRoots: [join(PROJECT_ROOT, 'examples'), tmpdir()],
  };
  const cluster = await startCluster({ env, log: (l) => process.stderr.write(`  [cluster] ${l}\n`), ...o });
  const connection = await Connection.connect({ ...temporalConnectionOptions(cluster.info.clientEnv), address: cluster.info.temporalAddress });
  const client = new Client({ connection, namespace: cluster.info.namespace, dataConverter: temporalDataConverter(cluster.info.clientEnv) });
  const db = createDb(cluster.info.databaseUrl, 4);
  return {
    ...cluster, env, client, db,
    cliEnv: { MLCYCLE_STATE_DIR: stateDir },
    teardown: async () => {
      await db.end();
      await connection.close();
      await cluster.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
