// How CLI commands find a running stack: TEMPORAL_ADDRESS + DATABASE_URL, or the stack.json `mlcycle dev` wrote.
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { readEnv, type MlcycleEnv } from '../lib/config/env.js';
import { createDb, type Db } from '../lib/store/db.js';
import { stackFile, type StackInfo } from '../stack/stackInfo.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { dataConverter } from '../temporal/codec.js';

export interface Connected {
  client: Client;
  db: Db;
  info: Pick<StackInfo, 'temporalAddress' | 'namespace' | 'temporalUiUrl' | 'httpUrl'>;
  close(): Promise<void>;
}

export async function readStackInfo(env: MlcycleEnv): Promise<StackInfo | null> {
  try {
    return JSON.parse(await readFile(stackFile(env), 'utf8')) as StackInfo;
  } catch {
    return null;
  }
}

export async function connect(env: MlcycleEnv): Promise<Connected> {
  const stack = await readStackInfo(env);
  const address = env.temporalAddress ?? stack?.temporalAddress;
  const databaseUrl = env.databaseUrl ?? stack?.databaseUrl;
  if (!address || !databaseUrl) {
    throw new Error('no running mlcycle stack: start one with `npx mlcycle dev` (or set TEMPORAL_ADDRESS and DATABASE_URL)');
  }
  // TLS / API key apply to a cluster named by TEMPORAL_ADDRESS, not to the plaintext dev server of `mlcycle dev`.
  // A local cluster (`stack --cluster`) wrote what its clients need (TLS paths, codec keys, S3) into stack.json: this
  // process takes what the shell did not set, so its artifact store and codec match the cluster's too.
  const clientEnv = (stack as { clientEnv?: Record<string, string> } | null)?.clientEnv;
  if (clientEnv && !env.temporalAddress) for (const [k, v] of Object.entries(clientEnv)) process.env[k] ??= v;
  const codecKeys = clientEnv && !env.temporalAddress ? readEnv().codec?.keys : env.codec?.keys;
  const security = env.temporalAddress || clientEnv ? temporalConnectionOptions() : {};
  const connection = await Connection.connect({ ...security, address, connectTimeout: 3000 }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${address} (${err.message}); is \`npx mlcycle dev\` still running?`);
  });
  const namespace = env.temporalAddress ? env.temporalNamespace : (stack?.namespace ?? env.temporalNamespace);
  const db = createDb(databaseUrl, 2);
  return {
    client: new Client({ connection, namespace, dataConverter: dataConverter(codecKeys) }),
    db,
    info: { temporalAddress: address, namespace, temporalUiUrl: stack?.temporalUiUrl ?? null, httpUrl: stack?.httpUrl ?? null },
    close: async () => {
      await db.end();
      await connection.close();
    },
  };
}
