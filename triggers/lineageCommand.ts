// `mlcycle lineage <model>@<version>` and `mlcycle lineage --snapshot <id>`: the audit trail from the store, as a tree, JSON or HTML.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { createDb } from '../lib/store/db.js';
import { modelLineage } from '../lib/store/lineage.js';
import { LineageNotFound, LineageRefError, parseModelRef, parseSnapshotRef } from '../lib/store/lineageRefs.js';
import { snapshotLineage } from '../lib/store/lineageSnapshot.js';
import { modelLineageTree, renderTree, snapshotLineageTree, type TreeNode } from '../lib/report/lineageTree.js';
import { renderLineageHtml } from '../lib/report/lineageHtml.js';
import { readStackInfo } from './connect.js';

interface LineageOptions {
  snapshot?: string;
  json?: boolean;
  html?: string;
}

/** Reads a lineage from PostgreSQL alone (Temporal need not be reachable): DATABASE_URL, or the running stack's. */
async function readLineage(ref: string | undefined, opts: LineageOptions): Promise<{ data: unknown; tree: TreeNode; title: string }> {
  if ((ref === undefined) === (opts.snapshot === undefined)) {
    throw new LineageRefError('name either a model version (mlcycle lineage cars-mpg@2) or a snapshot (mlcycle lineage --snapshot <id>), not both or neither.');
  }
  // A malformed reference is refused before any connection.
  if (opts.snapshot !== undefined) parseSnapshotRef(opts.snapshot);
  else parseModelRef(ref ?? '');
  const env = readEnv();
  const url = env.databaseUrl ?? (await readStackInfo(env))?.databaseUrl;
  if (!url) throw new Error('no running mlcycle stack: start one with `npx mlcycle dev` (or set DATABASE_URL)');
  const db = createDb(url, 1);
  try {
    if (opts.snapshot !== undefined) {
      const l = await snapshotLineage(db, opts.snapshot);
      return { data: l, tree: snapshotLineageTree(l), title: `Lineage of snapshot ${l.snapshot.id.slice(0, 16)}…` };
    }
    const l = await modelLineage(db, ref ?? '');
    return { data: l, tree: modelLineageTree(l), title: `Lineage of ${l.model.name}@${l.model.version}` };
  } finally {
    await db.end();
  }
}

export function addLineageCommand(program: Command): void {
  program
    .command('lineage [model@version]')
    .description('for audits: the data, validation, search, run ids and code versions behind a model version, its rollouts and decisions, the windows it served, the incident that retrained it and the next version; --snapshot lists everything that used a snapshot')
    .option('--snapshot <id>', 'everything that used this snapshot (its sha256, or a prefix of at least 8 hex digits)')
    .option('--json', 'print JSON')
    .option('--html <file>', 'also write the lineage as a self-contained HTML page')
    .action(async (ref: string | undefined, opts: LineageOptions) => {
      let read;
      try {
        read = await readLineage(ref, opts);
      } catch (err) {
        if (!(err instanceof LineageRefError || err instanceof LineageNotFound)) throw err;
        console.error(`mlcycle lineage: ${err.message}`);
        process.exitCode = err instanceof LineageRefError ? 2 : 1;
        return;
      }
      if (opts.html) {
        await writeFile(opts.html, renderLineageHtml(read.tree, { title: read.title, generatedAt: new Date().toISOString() }));
      }
      console.log(opts.json ? JSON.stringify(read.data, null, 2) : renderTree(read.tree));
      if (opts.html && !opts.json) console.log(`\nHTML page: ${opts.html}`);
    });
}
