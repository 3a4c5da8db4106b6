// Every bench, one after the other (never two timings at once), each printing its peer beside mlcycle, ratio last.
// Run: npm run bench [-- --only serve,drift] [-- --smoke]   (--smoke: a tiny size of each, checks answers, no timing claims)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Bench { name: string; file: string; args: string[]; what: string }

/** The benches and the arguments their published figures come from (README, "Speed, measured"). */
export const BENCHES: Bench[] = [
  { name: 'serve', file: 'bench/serve.ts', args: ['--rounds', '2'], what: 'serving vs the bare Fastify + onnxruntime peer, 1/10/100/1,000 instances per request' },
  { name: 'prediction-log', file: 'bench/prediction-log.ts', args: ['500000'], what: 'the prediction log alone, per request size' },
  { name: 'oip-binary', file: 'bench/oip-binary.ts', args: ['--rounds', '2'], what: 'OIP v2 binary tensors vs JSON' },
  { name: 'drift', file: 'bench/drift.ts', args: ['1000000'], what: "exact drift tests vs scipy's ks_2samp" },
  { name: 'gbdt', file: 'bench/gbdt.ts', args: [], what: 'GBDT training vs LightGBM' },
  { name: 'monitor', file: 'bench/monitor-memory.ts', args: [], what: "the monitor's window from aggregates as traffic grows" },
  { name: 'validate', file: 'bench/validate.ts', args: [], what: 'validation (profile + checks) in cells/s vs a summing pass' },
  { name: 'ingest-parquet', file: 'bench/ingest-parquet.ts', args: [], what: 'the CLI ingest + validate of flights-3m.parquet vs hyparquet alone' },
];

function runOne(b: Bench, smoke: boolean): Promise<number> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const argv = ['--import', 'tsx', b.file, ...(smoke ? ['--smoke'] : b.args)];
  console.log(`\n## ${b.name}: ${b.what}\n$ node ${argv.join(' ')}`);
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit' });
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const i = args.indexOf('--only');
  const only = i >= 0 ? args[i + 1]?.split(',') ?? [] : null;
  const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  const failed: string[] = [];
  for (const b of BENCHES.filter((x) => !only || only.includes(x.name))) if ((await runOne(b, smoke)) !== 0) failed.push(b.name);
  console.log(failed.length === 0 ? '\nall benches ran' : `\nfailed: ${failed.join(', ')}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
