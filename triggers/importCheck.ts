// Checking an import before anything is stored: read and adapt the model, read the pipeline's data, smoke-score the holdout.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { DataError } from '../lib/data/errors.js';
import { describeSource, readSource, type SourceSpec } from '../lib/data/sources/index.js';
import type { Table } from '../lib/data/table.js';
import { adaptExternalModel, ImportError, type AdaptedModel } from '../lib/onnx/adaptExternal.js';
import { evaluateOnnx } from '../lib/onnx/evaluateOnnx.js';
import { smokeProblems } from '../lib/onnx/smokeCheck.js';
import { holdoutSplit } from '../lib/train/evaluate.js';
import { ML_SECTIONS, missingSections, sectionList, type WithSections } from '../lib/steps/sections.js';
import { rawInputsOf } from '../lib/onnx/exportModel.js';
import { prependTransforms } from '../lib/transforms/compose.js';
import { derivedColumns, fitTransforms, pruneTransforms, type FittedTransforms } from '../lib/transforms/fit.js';
import type { TransformDeclaration } from '../lib/transforms/schema.js';
import { isOnehotColumn, TransformError } from '../lib/transforms/types.js';

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
  /** The pipeline's transforms the model's derived inputs need, fitted on the training rows and prepended to its graph. */
  transforms?: FittedTransforms;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function readPipelineData(pipeline: WithSections<'data'>, databaseUrl: string | undefined): Promise<{ table: Table; origin: string; dataSha256: string | null }> {
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
export async function checkImport(file: string, definition: PipelineDefinition, databaseUrl: string | undefined): Promise<CheckedImport> {
  const missing = missingSections(definition, ['data', ...ML_SECTIONS]);
  if (missing.length > 0) throw new ImportRefused(`an imported model is scored on the pipeline's data and holdout: ${definition.name} needs ${sectionList(missing)}`, 2);
  const pipeline = definition as WithSections<'data' | (typeof ML_SECTIONS)[number]>;
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
  if (!columns.has(pipeline.target)) throw new ImportRefused(`the pipeline's data (${data.origin}) has no column "${pipeline.target}"`, 2);
  const { train, test } = holdoutSplit(data.table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed, pipeline.task);
  // Derived inputs are computed inside the graph, as for a model trained here: the model then takes the raw columns.
  const transforms = derivedInputs(adapted, pipeline.transforms ?? [], train, data.origin);
  if (transforms) adapted = transforms.adapted;
  const absent = adapted.signature.inputs.map((i) => i.name).filter((c) => !columns.has(c));
  if (absent.length > 0) throw new ImportRefused(`the pipeline's data (${data.origin}) has no column ${absent.map((c) => `"${c}"`).join(', ')}`, 2);
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
  return {
    file, sourceSha256: sha256(bytes), adapted, table: data.table, holdout: test, metrics, origin: data.origin, dataSha256: data.dataSha256,
    ...(transforms ? { transforms: transforms.fitted } : {}),
  };
}

/**
 * When the model reads columns the pipeline's transforms derive: those transforms fitted on the training rows (the
 * holdout left out, as training does) and prepended to the graph, so that it takes raw columns; else null.
 */
function derivedInputs(adapted: AdaptedModel, decls: readonly TransformDeclaration[], train: Table, origin: string): { adapted: AdaptedModel; fitted: FittedTransforms } | null {
  const reads = adapted.signature.inputs.map((i) => i.name);
  // A transform's name, or one of a one-hot vocabulary's columns (name_0 … name_oov).
  const derived = reads.filter((n) => decls.some((d) => n === d.name || isOnehotColumn(n, d.name)));
  if (derived.length === 0) return null;
  let fitted: FittedTransforms;
  let bytes: Uint8Array;
  try {
    fitted = pruneTransforms(fitTransforms(decls, train), reads);
    if (fitted.transforms.length === 0) return null;
    bytes = prependTransforms(adapted.bytes, fitted);
  } catch (err) {
    if (err instanceof TransformError) throw new ImportRefused(`the model reads derived features (${derived.join(', ')}), but the pipeline's transforms cannot be fitted on ${origin}: ${err.message}`, 2);
    throw err;
  }
  const inputs = rawInputsOf(adapted.signature.inputs, fitted);
  const outputs = new Set(derivedColumns(fitted).map((o) => o.name));
  const note =
    `derived inputs ${reads.filter((n) => outputs.has(n)).join(', ')} are computed inside the graph by the pipeline's transforms (fitted on ${train.rows} training rows); ` +
    `the model takes the raw columns ${inputs.map((i) => i.name).join(', ')}`;
  return { fitted, adapted: { ...adapted, bytes, signature: { ...adapted.signature, inputs }, notes: [...adapted.notes, note] } };
}
