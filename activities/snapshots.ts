// Stores a table as a content-addressed snapshot with its profile and registers the dataset: ingest, quarantine and user steps.
import { profileTable } from '../lib/data/profile.js';
import { encodeSnapshot } from '../lib/data/snapshot.js';
import type { Table } from '../lib/data/table.js';
import { upsertDataset } from '../lib/store/datasets.js';
import type { DatasetRef } from '../contracts/types.js';
import type { ActivityDeps } from './deps.js';

export async function storeSnapshot(deps: ActivityDeps, pipeline: string, table: Table, source: string): Promise<DatasetRef> {
  const stored = await deps.artifacts.put(encodeSnapshot(table));
  const profile = await deps.artifacts.putJson(profileTable(table));
  const columns = table.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(deps.db, { id: stored.sha256, pipeline, source, uri: stored.uri, rows: table.rows, columns, profileUri: profile.uri });
  return { id: stored.sha256, uri: stored.uri, rows: table.rows, columns, source, profileUri: profile.uri };
}
