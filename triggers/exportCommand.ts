// `mlcycle export <model>@<version|alias> --target browser|node --out <dir>`: an edge bundle of a registered version.
import { Option, type Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { createDb } from '../lib/store/db.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { EDGE_TARGETS, exportBundle } from '../edge/export/exportBundle.js';
import { readStackInfo } from './connect.js';

export function addExportCommand(program: Command): void {
  program
    .command('export <model>')
    .description('write a registered version (<model>@<version|alias>) as a self-contained edge bundle: model.onnx, index.js, manifest.json, card, README')
    .addOption(new Option('--target <target>', 'where it runs: browser (onnxruntime-web, WASM) or node (onnxruntime-node)').choices([...EDGE_TARGETS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'a new or empty folder')
    .action(async (spec: string, opts: { target: string; out: string }) => {
      const env = readEnv();
      const databaseUrl = env.databaseUrl ?? (await readStackInfo(env))?.databaseUrl;
      if (!databaseUrl) throw new Error('no running mlcycle stack: start one with `npx mlcycle dev` (or set DATABASE_URL)');
      const db = createDb(databaseUrl, 2);
      try {
        const r = await exportBundle({ db, artifacts: openArtifactStore(env.artifactDir) }, spec, opts.target, opts.out);
        console.log(`exported ${r.manifest.model} v${r.manifest.version} for ${r.manifest.target} to ${r.dir} (${Object.keys(r.manifest.files).length + 1} files, ${(r.bytes / 1e6).toFixed(2)} MB)`);
        console.log(`  see ${r.dir}/README.md; load() checks every file against manifest.json`);
      } finally {
        await db.end();
      }
    });
}
