// Batch scoring's plan and chunk activities: checks before anything is scored; each chunk scored once, recorded in Postgres.
import { stat } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { formatOf, readSource } from '../lib/data/sources/index.js';
import { openParquet, readParquetRows } from '../lib/data/sources/parquet.js';
import type { Table } from '../lib/data/table.js';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import { instancesOf, predictionColumnNames, predictionColumns, scoringProblems, sliceRows } from '../lib/onnx/scoredColumns.js';
import { finishExecution, findChunk, recordBatchJob, recordChunk, startExecution } from '../lib/store/batchScores.js';
import { getDeployment, getModelVersion, listModelVersions, type ModelVersionRow } from '../lib/store/models.js';
import { sharedModelSource, type ScoringModel } from '../lib/scoring/scoringPool.js';
import { failure } from '../contracts/failures.js';
import { MAX_CHUNKS, type BatchScorePlan, type ChunkDone, type PlanBatchScoreInput, type ScoreChunkInput } from '../contracts/batchScore.js';
import { lazyScoringPool } from './batchScoringPool.js';
import { checkOutput } from './batchScoreOutput.js';
import { piiForVersion } from './ingestPii.js';
import type { ModelPii } from '../lib/report/modelCard.js';
import { failClosedOnBadData, keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';

/** The version a job scores with: the named one, or the champion now (then pinned in the plan). */
async function pinnedVersion(deps: ActivityDeps, model: string, version: number | undefined): Promise<ModelVersionRow> {
  const versions = await listModelVersions(deps.db, model);
  if (versions.length === 0) throw failure('NotDeployable', `no model named "${model}" is registered`);
  const known = `registered: ${versions.map((v) => v.version).join(', ')}`;
  if (version === undefined) {
    const champion = (await getDeployment(deps.db, model))?.championVersion;
    const row = champion === undefined ? undefined : versions.find((v) => v.version === champion);
    if (!row) throw failure('NotDeployable', `${model} has no champion: name a version with --version (${known})`);
    return row;
  }
  const row = versions.find((v) => v.version === version);
  if (!row) throw failure('NotDeployable', `${model} has no version ${version} (${known})`);
  return row;
}

/** Test hook: a worker started with MLCYCLE_BATCH_CHUNK_PAUSE_MS waits that long (heartbeating) before each chunk. */
const pauseMs = (): number => Number(process.env.MLCYCLE_BATCH_CHUNK_PAUSE_MS ?? 0) || 0;

export function createBatchScoreActivities(deps: ActivityDeps) {
  const scoring = deps.batchScoring ?? lazyScoringPool();
  const models = new Map<string, Promise<ScoringModel & { classes: string[]; pii?: ModelPii }>>();

  /** The pinned version, loaded once per worker (its bytes verified by hash, shared with the scoring threads). */
  async function scoringModel(plan: BatchScorePlan): Promise<ScoringModel & { classes: string[]; pii?: ModelPii }> {
    let model = models.get(plan.modelSha256);
    if (!model) {
      model = (async () => {
        const row = await getModelVersion(deps.db, plan.model, plan.version);
        if (!row || row.sha256 !== plan.modelSha256) throw failure('NotDeployable', `${plan.model}@${plan.version} is no longer the model with sha256 ${plan.modelSha256.slice(0, 12)}`);
        const bytes = await deps.artifacts.get(row.uri);
        const { inputs, classes } = row.card.signature;
        return { sha256: row.sha256, source: sharedModelSource(bytes), inputs, task: plan.task, classes, pii: row.card.pii };
      })();
      model.catch(() => models.delete(plan.modelSha256));
      models.set(plan.modelSha256, model);
    }
    return model;
  }

  /** A chunk's rows: read from the Parquet file (still the file planned), or sliced from the snapshot. */
  async function chunkRows(plan: BatchScorePlan, start: number, end: number): Promise<Table> {
    if (plan.data.kind === 'snapshot') return sliceRows(await loadSnapshot(deps.artifacts, plan.data.uri), start, end);
    const { path, fingerprint } = plan.data;
    return failClosedOnBadData(async () => {
      const file = await openParquet(path, path);
      if (file.fingerprint !== fingerprint) throw failure('DataError', `${path} changed after the job was planned: start the job again`);
      return readParquetRows(file, start, end, path);
    });
  }

  return {
    /** Pins the version, reads the data once (as a typed snapshot) and checks its columns against the model's inputs. */
    async planBatchScore({ jobId, input }: PlanBatchScoreInput): Promise<BatchScorePlan> {
      return failClosedOnBadData(async () => {
        if (!Number.isInteger(input.chunkRows) || input.chunkRows < 1) throw failure('BadRequest', `chunk rows must be a positive integer, got ${input.chunkRows}`);
        await checkOutput(input);
        const row = await pinnedVersion(deps, input.model, input.version);
        const { inputs, classes } = row.card.signature;
        const task = row.card.signature.task ?? 'classification';
        // Parquet: the footer says the rows and columns, chunks read their own rows. Others: read once into a snapshot.
        if (!(await stat(input.source).catch(() => null))?.isFile()) throw failure('DataError', `${input.source}: cannot read the file: no such file`);
        const parquet = formatOf(input.source) === 'parquet' ? await openParquet(input.source, input.source) : null;
        const read = parquet ? null : await keepHeartbeating((beat) => readSource({ kind: 'file', path: input.source }, { onProgress: (p) => beat({ reading: p.detail }) }));
        // The version's pii rules apply before the data is stored or scored, as at serving.
        const table = read && piiForVersion(`${input.model}@${row.version}`, row.card.pii, read, input.source);
        const columns = parquet ? parquet.plans : (table as Table).columns;
        const rows = parquet ? parquet.total : (table as Table).rows;
        const predicted = predictionColumnNames(task, classes);
        const problems = scoringProblems({ columns }, inputs, predicted);
        if (problems.length) {
          const have = columns.map((c) => `${c.name} (${c.kind})`).join(', ');
          throw failure('DataError', `${input.source} cannot be scored with ${input.model}@${row.version}: ${problems.join('; ')} (the file has: ${have})`);
        }
        const chunks = Math.ceil(rows / input.chunkRows);
        if (chunks > MAX_CHUNKS) throw failure('BadRequest', `${rows} rows in chunks of ${input.chunkRows} make ${chunks} chunks, more than ${MAX_CHUNKS}: raise the chunk rows`);
        const data: BatchScorePlan['data'] = parquet
          ? { kind: 'parquet', path: input.source, fingerprint: parquet.fingerprint }
          : { kind: 'snapshot', uri: (await deps.artifacts.put(encodeSnapshot(table as Table))).uri };
        const dataRef = data.kind === 'parquet' ? data.fingerprint : data.uri;
        const job = { jobId, modelName: input.model, modelVersion: row.version, source: input.source, dataRef, output: input.output, rows, chunks };
        const recorded = await recordBatchJob(deps.db, job);
        // Its recorded chunks are reused: a job id planned before must mean the same data, version and chunking.
        if (recorded.dataRef !== job.dataRef || recorded.modelVersion !== job.modelVersion || recorded.chunks !== job.chunks) {
          throw failure('BadRequest', `job ${jobId} was planned for other data, version or chunking (${recorded.modelName}@${recorded.modelVersion}, ${recorded.rows} rows in ${recorded.chunks} chunks): start it under a new id`);
        }
        return {
          jobId, model: input.model, version: row.version, modelSha256: row.sha256, task, data,
          rows, chunkRows: input.chunkRows, chunks, predictionColumns: predicted,
        };
      });
    },

    /** Scores one chunk in the scoring threads and stores it (input columns + predictions); a chunk recorded done is returned, not scored. */
    async scoreChunk({ plan, chunk }: ScoreChunkInput): Promise<ChunkDone> {
      const attempt = Context.current().info.attempt;
      const recorded = await findChunk(deps.db, plan.jobId, chunk);
      if (recorded) {
        await finishExecution(deps.db, await startExecution(deps.db, plan.jobId, chunk, attempt), 'reused');
        return { chunk, rows: recorded.rows, reused: true };
      }
      const execution = await startExecution(deps.db, plan.jobId, chunk, attempt);
      const start = chunk * plan.chunkRows;
      const end = Math.min(plan.rows, start + plan.chunkRows);
      const scored = await keepHeartbeating(async (beat) => {
        beat({ chunk, phase: 'loading' });
        if (pauseMs() > 0) await new Promise((r) => setTimeout(r, pauseMs()));
        const [read, model] = await Promise.all([chunkRows(plan, start, end), scoringModel(plan)]);
        const slice = piiForVersion(`${plan.model}@${plan.version}`, model.pii, read, plan.data.kind === 'parquet' ? plan.data.path : plan.data.uri);
        beat({ chunk, phase: 'scoring', rows: end - start });
        const outputs = await scoring.pool().score(model, instancesOf(slice, model.inputs, 0, slice.rows));
        return { rows: slice.rows, columns: [...slice.columns, ...predictionColumns(outputs, model.classes)] };
      });
      const ref = await deps.artifacts.put(encodeSnapshot(scored));
      const { row, first } = await recordChunk(deps.db, plan.jobId, { chunk, rows: scored.rows, uri: ref.uri, sha256: ref.sha256 });
      await finishExecution(deps.db, execution, 'scored');
      return { chunk, rows: row.rows, reused: !first };
    },
  };
}
