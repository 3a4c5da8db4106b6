// `npm run record-histories [-- <e2e test files>]`: re-records the replay corpus, one e2e file at a time, if the corpus still replays.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';
import { historyFile, loadHistory, readManifest, replayAll } from './historyCorpus.js';
import { corpusSize } from './histories.js';

const E2E = join(PROJECT_ROOT, 'test/e2e');
const records = (file: string): boolean => readFileSync(file, 'utf8').includes('recordHistory(');

function filesToRun(args: string[]): string[] {
  if (args.length === 0) return readdirSync(E2E).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(E2E, f)).filter(records);
  return args.map((a) => {
    const file = resolve(a);
    if (!existsSync(file)) throw new Error(`${a}: no such file`);
    if (!records(file)) throw new Error(`${a} records no history (it never calls recordHistory)`);
    return file;
  });
}

/** The old histories must replay on the code about to record new ones: else the change breaks runs in flight. */
async function corpusStillReplays(): Promise<boolean> {
  const entries = (await readManifest()).filter((e) => existsSync(historyFile(e.name)));
  const histories = await Promise.all(entries.map(async (e) => ({ name: e.name, workflowId: e.workflowId, history: await loadHistory(e.name) })));
  const failed = [...(await replayAll(histories))].filter(([, err]) => err);
  for (const [name, err] of failed) console.error(`  ${name}: ${err?.message.split('\n')[0]}`);
  return failed.length === 0;
}

async function main(): Promise<number> {
  const files = filesToRun(process.argv.slice(2));
  console.log('Replaying the corpus on the current workflow code first …');
  if (!(await corpusStillReplays())) {
    console.error(
      '\nThe recorded histories above no longer replay: this workflow change is incompatible with runs in flight.\n' +
        'Do not re-record over them. Version the change instead (patched() or Worker Versioning; README, "Changing workflow code").',
    );
    return 1;
  }
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const failed: string[] = [];
  for (const file of files) {
    const name = relative(PROJECT_ROOT, file);
    console.log(`\n▶ ${name} (MLCYCLE_RECORD_HISTORY=1)`);
    const started = Date.now();
    const run = spawnSync(process.execPath, [tsx, '--test', '--test-concurrency=1', '--test-reporter=dot', file], {
      cwd: PROJECT_ROOT, stdio: 'inherit', env: { ...process.env, MLCYCLE_RECORD_HISTORY: '1' },
    });
    console.log(`  ${run.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
    if (run.status !== 0) failed.push(name);
  }
  const { entries, bytes } = await corpusSize();
  console.log(`\nThe corpus: ${entries} histories, ${Math.round(bytes / 1024)} KB (test/fixtures/histories). Check it: npx tsx --test test/unit/replay-history.test.ts`);
  if (failed.length > 0) console.error(`These files failed, so their histories may be missing or old: ${failed.join(', ')}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
