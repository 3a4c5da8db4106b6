// `mlcycle import <model.onnx> --pipeline P`: an externally trained ONNX model, checked, rewritten, smoke-scored, gated and registered as a candidate.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { writeReport } from '../activities/reports.js';
import { readEnv } from '../lib/config/env.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { DataError } from '../lib/data/errors.js';
import { profileTable } from '../lib/data/profile.js';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import { describeSource, readSource, type SourceSpec } from '../lib/data/sources/index.js';
import type { Table } from '../lib/data/table.js';
import { adaptExternalModel, ImportError, type AdaptedModel } from '../lib/onnx/adaptExternal.js';
import { evaluateOnnx } from '../lib/onnx/evaluateOnnx.js';
import { smokeProblems } from '../lib/onnx/smokeCheck.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { renderModelCardHtml } from '../lib/report/modelCardHtml.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { upsertDataset } from '../lib/store/datasets.js';
import { createDb, type Db } from '../lib/store/db.js';
import { audit, listModelVersions, registerModelVersion } from '../lib/store/models.js';
import { holdoutSplit } from '../lib/train/evaluate.js';
import { scoreServingChampion } from '../lib/train/champion.js';
import { decideGate } from '../lib/train/gate.js';
import { defaultMetric } from '../lib/train/scores.js';
import { resolvePipeline } from './client.js';
import { readStackInfo } from './connect.js';

/** The import stops before anything is registered: exit code 2 (the model or data cannot be read or used), 1 (the model scores wrongly). */
export class ImportRefused extends Error {
  override name = 'ImportRefused';
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
  }
}

/** An adapted model that passed the smoke test, with its holdout metrics and the data behind them. */
export interface CheckedImport {
  file: string;
  sourceSha256: string;
  adapted: AdaptedModel;
  table: Table;
  holdout: Table;
  metrics: Record<string, number>;
  origin: string;
  /** The data file's sha256 (a query source: null). */
  dataSha256: string | null;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function readPipelineData(pipeline: PipelineDefinition, databaseUrl: string | undefined): Promise<{ table: Table; origin: string; dataSha256: string | null }> {
  const data = pipeline.data;
  let spec: SourceSpec;
  if ('path' in data) spec = { kind: 'file', path: data.path, ...(data.format ? { format: data.format } : {}) };
  else {
    const connectionString = data.postgres.urlEnv ? process.env[data.postgres.urlEnv] : databaseUrl;
    if (!connectionString) throw new DataError(`the pipeline reads a Postgres query, but ${data.postgres.urlEnv ?? 'DATABASE_URL (or a running stack)'} gives no database`);
    spec = { kind: 'postgres', connectionString, query: data.postgres.query };
  }
  const table = await readSource(spec);
  const dataSha256 = spec.kind === 'file' ? sha256(await readFile(spec.path)) : null;
  return { table, origin: describeSource(spec), dataSha256 };
}

/** Reads, adapts and smoke-scores the model on the pipeline's holdout; nothing is stored. */
export async function checkImport(file: string, pipeline: PipelineDefinition, databaseUrl: string | undefined): Promise<CheckedImport> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ImportRefused(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 2);
  });
  let adapted: AdaptedModel;
  try {
    adapted = adaptExternalModel(bytes, pipeline, file);
  } catch (err) {
    if (err instanceof ImportError) throw new ImportRefused(err.message, 2);
    throw err;
  }
  let data: Awaited<ReturnType<typeof readPipelineData>>;
  try {
    data = await readPipelineData(pipeline, databaseUrl);
  } catch (err) {
    if (err instanceof DataError) throw new ImportRefused(`cannot read the pipeline's data: ${err.message}`, 2);
    throw err;
  }
  const columns = new Set(data.table.columns.map((c) => c.name));
  const missing = [pipeline.target, ...adapted.signature.inputs.map((i) => i.name)].filter((c) => !columns.has(c));
  if (missing.length > 0) throw new ImportRefused(`the pipeline's data (${data.origin}) has no column ${missing.map((c) => `"${c}"`).join(', ')}`, 2);
  const { test } = holdoutSplit(data.table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed, pipeline.task);
  if (test.rows === 0) throw new ImportRefused(`the holdout of ${data.origin} is empty: nothing to score the model on`, 2);
  let scored: Awaited<ReturnType<typeof evaluateOnnx>>;
  try {
    scored = await evaluateOnnx(adapted.bytes, adapted.signature, test);
  } catch (err) {
    throw new ImportRefused(`${file}: the adapted model does not score the holdout: ${(err as Error).message}`, 1);
  }
  const problems = smokeProblems(scored.outputs, adapted.signature.classes);
  if (problems.length > 0) throw new ImportRefused(`${file}: smoke test failed on ${test.rows} holdout rows:\n  - ${problems.join('\n  - ')}`, 1);
  // As the lifecycle's candidates record them: the task's metrics (the ones that could be computed) and the holdout's size.
  const { rows, ...scores } = scored.metrics;
  const metrics = { ...Object.fromEntries(Object.entries(scores).filter(([, v]) => Number.isFinite(v))), holdoutRows: rows ?? test.rows };
  return { file, sourceSha256: sha256(bytes), adapted, table: data.table, holdout: test, metrics, origin: data.origin, dataSha256: data.dataSha256 };
}

export interface ImportDeps {
  db: Db;
  artifacts: ArtifactStore;
  reportsDir: string;
}

export interface ImportResult {
  name: string;
  version: number;
  blessed: boolean;
  reason: string;
  cardPath: string;
  /** The same file was imported on the same data before: that version is returned, nothing new is written. */
  alreadyRegistered: boolean;
}

/** Stores the adapted model and the data snapshot, gates it against the champion, registers it with its card, writes the audit entry. */
export async function registerImport(deps: ImportDeps, checked: CheckedImport, pipeline: PipelineDefinition, who: { actor: string; reason: string }): Promise<ImportResult> {
  const { adapted, table } = checked;
  const snapshot = await deps.artifacts.put(encodeSnapshot(table));
  const runId = `import-${checked.sourceSha256.slice(0, 16)}-${snapshot.sha256.slice(0, 16)}`;
  const cardPathOf = (version: number): string => join(deps.reportsDir, pipeline.name, `model-v${version}.html`);
  const existing = (await listModelVersions(deps.db, pipeline.name)).find((v) => v.runId === runId);
  if (existing) {
    const gate = existing.card.gate ?? { blessed: false, reason: 'no gate verdict recorded' };
    return { name: existing.name, version: existing.version, ...gate, cardPath: cardPathOf(existing.version), alreadyRegistered: true };
  }
  const profile = await deps.artifacts.putJson(profileTable(table));
  const columns = table.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(deps.db, { id: snapshot.sha256, pipeline: pipeline.name, source: checked.origin, uri: snapshot.uri, rows: table.rows, columns, profileUri: profile.uri });
  const metric = pipeline.gate?.metric ?? defaultMetric(pipeline.task);
  const champion = await scoreServingChampion(deps, pipeline.name, checked.holdout, metric);
  const gate = decideGate(pipeline.gate, checked.metrics[metric] ?? NaN, champion);
  const stored = await deps.artifacts.put(adapted.bytes);
  const producer = `${adapted.producer.name}${adapted.producer.version ? ` ${adapted.producer.version}` : ''}`;
  const card: ModelCard = {
    name: pipeline.name,
    purpose: pipeline.description || `predict ${pipeline.target}`,
    algorithm: `imported ONNX (${producer})`,
    hyperparameters: {},
    signature: adapted.signature,
    metrics: checked.metrics,
    primaryMetric: metric,
    dataset: { id: snapshot.sha256, rows: table.rows, source: checked.origin },
    trials: [],
    // No trainer to compare the graph with: there is no parity figure.
    onnx: { sha256: stored.sha256, bytes: stored.bytes },
    libraries: { [adapted.producer.name]: adapted.producer.version || 'unknown', node: process.version, 'onnxruntime-node': ort.env.versions.node ?? 'unknown' },
    runId,
    createdAt: new Date().toISOString(),
    lineage: [{ id: snapshot.sha256, sha256: checked.dataSha256 ?? snapshot.sha256, role: `scored on its holdout (${checked.holdout.rows} rows); trained elsewhere`, rows: table.rows, source: checked.origin }],
    gate: { blessed: gate.blessed, reason: gate.reason },
  };
  const version = await registerModelVersion(deps.db, { name: pipeline.name, runId, uri: stored.uri, sha256: stored.sha256, datasetId: snapshot.sha256, metrics: checked.metrics, card });
  await audit(deps.db, who.actor, 'import_model', `${pipeline.name}@${version.version}`, {
    reason: who.reason, file: resolve(checked.file), sourceSha256: checked.sourceSha256, producer, notes: adapted.notes, blessed: gate.blessed, gateReason: gate.reason,
  });
  const cardPath = await writeReport(deps.reportsDir, `${pipeline.name}/model-v${version.version}.html`, renderModelCardHtml(card, { version: version.version }));
  return { name: pipeline.name, version: version.version, blessed: gate.blessed, reason: gate.reason, cardPath, alreadyRegistered: false };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(4));

export function addImportCommand(program: Command): void {
  program
    .command('import <model>')
    .description('register an externally trained ONNX model as a candidate: checked against the pipeline\'s features, rewritten to the serving contract, smoke-scored and gated on its holdout (never deployed: see `alias`); exit 2 when the model cannot be used, 1 when it scores wrongly')
    .requiredOption('--pipeline <pipeline>', 'the pipeline it is a candidate for (an example name or a pipeline.json path)')
    .option('--reason <text>', 'why (kept in the audit log; default "import <file>")')
    .action(async (file: string, opts: { pipeline: string; reason?: string }) => {
      const env = readEnv();
      const pipeline = await resolvePipeline(opts.pipeline);
      const databaseUrl = env.databaseUrl ?? (await readStackInfo(env))?.databaseUrl;
      let checked: CheckedImport;
      try {
        checked = await checkImport(file, pipeline, databaseUrl);
      } catch (err) {
        if (!(err instanceof ImportRefused)) throw err;
        console.error(`mlcycle import: ${err.message}\nnothing was registered`);
        process.exitCode = err.exitCode;
        return;
      }
      for (const line of checked.adapted.notes) console.log(`  ${line}`);
      console.log(`  holdout (${checked.holdout.rows} rows): ${Object.entries(checked.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
      if (!databaseUrl) throw new Error('no running mlcycle stack: start one with `npx mlcycle dev` (or set DATABASE_URL)');
      const db = createDb(databaseUrl, 2);
      try {
        const deps = { db, artifacts: new ArtifactStore(env.artifactDir), reportsDir: join(env.stateDir, 'reports') };
        const r = await registerImport(deps, checked, pipeline, { actor: osUser(), reason: opts.reason ?? `import ${basename(file)}` });
        console.log(`${r.alreadyRegistered ? 'already registered' : 'registered'} ${basename(file)} as ${r.name} v${r.version}: ${r.blessed ? 'blessed' : 'not blessed'} (${r.reason})`);
        console.log(`  card: ${r.cardPath}`);
        if (r.blessed) console.log(`  not deployed; to serve it: npx mlcycle alias ${r.name} champion ${r.version} --reason "…"  (or challenger)`);
      } finally {
        await db.end();
      }
    });
}
