// The ingest step: a source (file, Postgres query, or labelled traffic) → content-addressed snapshot + its profile.
import { Context } from '@temporalio/activity';
import { DataError } from '../lib/data/errors.js';
import { describeSource, readSource, type ChunkCheckpoint, type IngestCheckpoint, type SourceSpec } from '../lib/data/sources/index.js';
import type { Table } from '../lib/data/table.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { getDeployment, getModelVersion } from '../lib/store/models.js';
import { numericLabel } from '../lib/store/predictions.js';
import { selectLabelled } from '../lib/store/labelled.js';
import { getDataset } from '../lib/store/datasets.js';
import { recordsFromTable } from '../lib/data/records.js';
import { failure } from '../contracts/failures.js';
import type { DataSource, DatasetRef, IngestInput } from '../contracts/types.js';
import { failClosedOnBadData, loadSnapshot, type ActivityDeps } from './deps.js';
import { storeSnapshot } from './snapshots.js';
import { definitionOf } from './definitions.js';
import { piiForSnapshot } from './ingestPii.js';

/** What the ingest heartbeats carry: the last progress line and the chunk checkpoint (resume after a crash). */
interface IngestHeartbeat {
  progress?: string;
  checkpoint?: ChunkCheckpoint | null;
}

/** A chunked read's progress lives in the heartbeat details and its converted parts in the artifact store. */
function heartbeatCheckpoint(deps: ActivityDeps, state: IngestHeartbeat, beat: () => void): IngestCheckpoint {
  return {
    minIntervalMs: 2000,
    load: async () => state.checkpoint ?? null,
    save: async (checkpoint) => {
      state.checkpoint = checkpoint;
      beat();
    },
    putPart: async (bytes) => (await deps.artifacts.put(bytes)).sha256,
    getPart: async (id) => deps.artifacts.get(id),
  };
}

function sourceSpec(deps: ActivityDeps, source: Exclude<DataSource, { kind: 'feedback' }>): SourceSpec {
  if (source.kind === 'file') return source;
  if (source.kind === 'none') throw failure('BadDefinition', 'ingest has no data to read: the pipeline declares no "data" and the run was given none');
  const connectionString = source.urlEnv ? process.env[source.urlEnv] : deps.databaseUrl;
  if (!connectionString) throw new DataError(`environment variable ${source.urlEnv} (the source database) is not set on this worker`);
  return { kind: 'postgres', connectionString, query: source.query };
}

/**
 * Labelled traffic (champion and challenger answers with their labels) within the source's bounds, as rows of the
 * champion's training snapshot's columns; with championDatasetId, that snapshot's rows come first.
 */
async function feedbackTable(deps: ActivityDeps, source: Extract<DataSource, { kind: 'feedback' }>): Promise<{ table: Table; origin: string }> {
  const deployment = await getDeployment(deps.db, source.modelName);
  const champion = deployment ? await getModelVersion(deps.db, source.modelName, deployment.championVersion) : null;
  if (!champion) throw new DataError(`model ${source.modelName} has no champion: no labelled traffic to learn from`);
  const target = champion.card.signature.target;
  // A regressor learns a number: labels that are no number (e.g. from before it served) are left out.
  const regression = champion.card.signature.task === 'regression';
  const from = source.fromPredictionId ?? 0;
  const selection = { fromPredictionId: from, upToPredictionId: source.upToPredictionId, labelsUpTo: source.labelsUpTo ?? null, maxRows: source.maxRows ?? null };
  const base = source.championDatasetId ? await getDataset(deps.db, source.championDatasetId) : null;
  if (source.championDatasetId && !base) throw failure('DependencyUnavailable', `the champion's training dataset ${source.championDatasetId} is not registered`);
  const snapshot = base ? await loadSnapshot(deps.artifacts, base.uri) : null;
  const columns = snapshot?.columns.map((c) => c.name).filter((c) => c !== target) ?? null;
  const rows: Record<string, unknown>[] = snapshot ? recordsFromTable(snapshot) : [];
  let labelled = 0;
  for (const r of await selectLabelled(deps.db, source.modelName, selection, true)) {
    const truth = regression ? numericLabel(r.label) : r.label;
    if (truth === null) continue;
    const input = columns ? Object.fromEntries(columns.map((c) => [c, r.input[c] ?? null])) : r.input;
    rows.push({ ...input, [target]: truth });
    labelled++;
  }
  const origin = `feedback:${source.modelName}:upto-${source.upToPredictionId}` + (from > 0 ? `:from-${from}` : '') + (base ? `+champion-data-${base.id.slice(0, 12)}` : '');
  if (labelled === 0) throw new DataError(`${origin}: no logged request has a ${regression ? 'numeric ' : ''}label yet`);
  return { table: tableFromObjects(rows, origin), origin };
}

export function createIngestActivities(deps: ActivityDeps) {
  return {
    async ingestDataset(input: IngestInput): Promise<DatasetRef> {
      return failClosedOnBadData(async () => {
        const ctx = Context.current();
        let table: Table;
        let origin: string;
        if (input.source.kind === 'feedback') {
          ({ table, origin } = await feedbackTable(deps, input.source));
        } else {
          const spec = sourceSpec(deps, input.source);
          origin = describeSource(spec);
          const state: IngestHeartbeat = { ...(ctx.info.heartbeatDetails as IngestHeartbeat | undefined) };
          const beat = (): void => ctx.heartbeat(state);
          const checkpoint = heartbeatCheckpoint(deps, state, beat);
          table = await readSource(spec, {
            checkpoint,
            onProgress: (p) => {
              state.progress = p.detail;
              beat();
            },
          });
        }
        if (input.definition) table = piiForSnapshot(await definitionOf(deps, input.definition), table, origin, input.source.kind !== 'feedback');
        ctx.heartbeat({ progress: `profiling ${table.rows} rows` });
        return storeSnapshot(deps, input.pipeline, table, origin);
      });
    },
  };
}
