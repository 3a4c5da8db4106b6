// `npm run test:chaos`: each scenario file under node's test runner, one at a time, then the table of what was injected and what was lost, then the load figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSection, markdownTable, readResults } from './report.js';

const here = import.meta.dirname;
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(here).filter((f) => f.endsWith('.test.ts') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
if (files.length === 0) {
  console.error(`no chaos scenario matches ${only.join(', ')}; the scenarios: ${readdirSync(here).filter((f) => f.endsWith('.test.ts')).join(', ')}`);
  process.exit(2);
}
const results = join(tmpdir(), `mlcycle-chaos-${process.pid}.jsonl`);
const env: NodeJS.ProcessEnv = { ...process.env, MLCYCLE_CHAOS_RESULTS: results };
delete env.NODE_TEST_CONTEXT;
let failed = 0;
for (const f of files) {
  console.error(`== ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', join(here, f)], { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
const { rows, loads } = readResults(existsSync(results) ? readFileSync(results, 'utf8') : '');
rmSync(results, { force: true });
console.log(`\n${markdownTable(rows)}\n`);
if (loads.length > 0) console.log(`${loadSection(loads)}\n`);
console.log(failed === 0 ? `all ${files.length} scenario files passed` : `${failed} of ${files.length} scenario files failed`);
process.exit(failed === 0 ? 0 : 1);
