// `mlcycle import <model.onnx> --pipeline P`: an externally trained ONNX model, checked, rewritten, smoke-scored, gated and registered as a candidate.
import { cliActor } from './actor.js';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { writeReport } from '../activities/reports.js';
import { readEnv } from '../lib/config/env.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { profileTable } from '../lib/data/profile.js';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { renderModelCardHtml } from '../lib/report/modelCardHtml.js';
import type { ArtifactStore } from '../lib/store/artifacts.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { upsertDataset } from '../lib/store/datasets.js';
import { createDb, type Db } from '../lib/store/db.js';
import { audit, listModelVersions, registerModelVersion, servingChampion } from '../lib/store/models.js';
import { scoreServingChampion } from '../lib/train/champion.js';
import { decideGate } from '../lib/train/gate.js';
import { defaultMetric } from '../lib/train/scores.js';
import { resolvePipeline } from './client.js';
import { readStackInfo } from './connect.js';

import { ImportRefused, checkImport, type CheckedImport } from './importCheck.js';
import { transformsCard } from '../lib/transforms/describe.js';

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
  const champion = await scoreServingChampion(await servingChampion(deps.db, deps.artifacts, pipeline.name), checked.holdout, metric);
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
    ...(checked.transforms ? { transforms: transformsCard(checked.transforms) } : {}),
  };
  const version = await registerModelVersion(deps.db, { name: pipeline.name, runId, uri: stored.uri, sha256: stored.sha256, datasetId: snapshot.sha256, metrics: checked.metrics, card });
  await audit(deps.db, who.actor, 'import_model', `${pipeline.name}@${version.version}`, {
    reason: who.reason, file: resolve(checked.file), sourceSha256: checked.sourceSha256, producer, notes: adapted.notes, blessed: gate.blessed, gateReason: gate.reason,
  });
  const cardPath = await writeReport(deps.reportsDir, `${pipeline.name}/model-v${version.version}.html`, renderModelCardHtml(card, { version: version.version }));
  return { name: pipeline.name, version: version.version, blessed: gate.blessed, reason: gate.reason, cardPath, alreadyRegistered: false };
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
        const deps = { db, artifacts: openArtifactStore(env.artifactDir), reportsDir: join(env.stateDir, 'reports') };
        const r = await registerImport(deps, checked, pipeline, { actor: cliActor(), reason: opts.reason ?? `import ${basename(file)}` });
        console.log(`${r.alreadyRegistered ? 'already registered' : 'registered'} ${basename(file)} as ${r.name} v${r.version}: ${r.blessed ? 'blessed' : 'not blessed'} (${r.reason})`);
        console.log(`  card: ${r.cardPath}`);
        if (r.blessed) console.log(`  not deployed; to serve it: npx mlcycle rollout start ${r.name} --version ${r.version} --reason "…" [--pipeline <file>] (a champion serves; the policy comes from the pipeline's stored definition, or the file), or npx mlcycle alias ${r.name} champion ${r.version} --reason "…" (none does)`);
      } finally {
        await db.end();
      }
    });
}
