// The ingest step: a source (CSV file, or labelled traffic from the prediction log) → content-addressed snapshot.
import { readFile } from 'node:fs/promises';
import { parseCsv } from '../lib/data/csv.js';
import { DataError } from '../lib/data/errors.js';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import type { Table } from '../lib/data/table.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { upsertDataset } from '../lib/store/datasets.js';
import { getModelVersion, getDeployment } from '../lib/store/models.js';
import { loggedRequests } from '../lib/store/predictions.js';
import type { DatasetRef, IngestInput } from '../workflows/types.js';
import { failClosedOnBadData, type ActivityDeps } from './deps.js';

async function readSource(deps: ActivityDeps, input: IngestInput): Promise<{ table: Table; source: string }> {
  const { source } = input;
  if (source.kind === 'file') {
    const bytes = await readFile(source.path).catch((err: NodeJS.ErrnoException) => {
      throw new DataError(`cannot read ${source.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    return { table: parseCsv(bytes.toString('utf8'), source.path), source: `file:${source.path}` };
  }
  const deployment = await getDeployment(deps.db, source.modelName);
  const champion = deployment ? await getModelVersion(deps.db, source.modelName, deployment.championVersion) : null;
  if (!champion) throw new DataError(`model ${source.modelName} has no champion: no labelled traffic to learn from`);
  const target = champion.card.signature.target;
  const rows = (await loggedRequests(deps.db, source.modelName, 0, source.upToPredictionId))
    .filter((r) => r.label !== null)
    .map((r) => ({ ...r.input, [target]: r.label }));
  const origin = `feedback:${source.modelName}:upto-${source.upToPredictionId}`;
  if (rows.length === 0) throw new DataError(`${origin}: no logged request has a label yet`);
  return { table: tableFromObjects(rows, origin), source: origin };
}

export function createIngestActivities(deps: ActivityDeps) {
  return {
    async ingestDataset(input: IngestInput): Promise<DatasetRef> {
      return failClosedOnBadData(async () => {
        const { table, source } = await readSource(deps, input);
        const stored = await deps.artifacts.put(encodeSnapshot(table));
        const columns = table.columns.map((c) => ({ name: c.name, kind: c.kind }));
        await upsertDataset(deps.db, { id: stored.sha256, pipeline: input.pipeline, source, uri: stored.uri, rows: table.rows, columns });
        return { id: stored.sha256, uri: stored.uri, rows: table.rows, columns, source };
      });
    },
  };
}
