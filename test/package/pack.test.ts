// `npm pack`, installed into an empty project: mlcycle/client and the step API import under plain Node and typecheck with their types.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { consumerLock, type PackedManifest } from '../packConsumer.js';

const dir = mkdtempSync(join(tmpdir(), 'mlcycle-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_loglevel: 'error' } });
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

const GOOD = `import { createClient, type LifecycleResult, type MlcycleClient, type RolloutState } from 'mlcycle/client';
import { defineStep, z } from 'mlcycle/steps';
import { runStep } from 'mlcycle/steps/testing';
import { verifyWebhook } from 'mlcycle/webhooks';

export async function promoteAfterRun(): Promise<string> {
  const client: MlcycleClient = await createClient({ address: 'localhost:7233', namespace: 'default', codecKeys: undefined });
  const run = await client.startRun({ pipeline: { name: 'churn', version: 'abc' }, source: { kind: 'file', path: '/data/churn.csv' } });
  const result: LifecycleResult = await run.result();
  const state: RolloutState = await client.rollout('churn').setTraffic({ actor: 'svc', reason: 'ramp', traffic: 0.5 });
  await client.close();
  return \`\${result.model?.version ?? 'none'} \${state.stage}\`;
}

export const twice = defineStep({
  name: 'twice', description: 'doubles n', config: z.object({ n: z.number() }).strict(), produces: ['data'],
  async run(_ctx, { config }) { return { data: { n: config.n * 2 } }; },
});
export const doubled: Promise<number | undefined> = runStep(twice, { with: { n: 2 } }).then((r) => r.data?.n as number | undefined);
export const verdict: boolean = verifyWebhook({ body: '{}', timestamp: undefined, signature: undefined, secret: 's' }).ok;
`;

const BAD = `import { createClient } from 'mlcycle/client';
const client = await createClient({ adress: 'localhost:7233' });
await client.startRun({ pipeline: 'churn', source: { kind: 'file', path: '/x.csv' } });
await client.rollout('churn').setTraffic({ actor: 'svc', reason: 'ramp' });
export {};
`;

test('the packed package installs offline into an empty project; its entry points import and typecheck, and a wrong use fails', async (t) => {
  const t0 = Date.now();
  const lap = (what: string) => t.diagnostic(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const before = readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8');
  const packed = sh('npm', ['pack', '--json', '--pack-destination', dir], PROJECT_ROOT);
  assert.equal(packed.status, 0, packed.out);
  lap('npm pack');
  assert.equal(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'), before, 'postpack put the checkout\'s package.json back');
  assert.ok(!existsSync(join(PROJECT_ROOT, '.pack-package.json')));
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
  const files = info.files.map((f) => f.path);
  for (const f of ['dist/triggers/serviceClient.js', 'dist/triggers/serviceClient.d.ts', 'dist/lib/steps/define.d.ts', 'bin/mlcycle.js', 'triggers/cli.ts']) assert.ok(files.includes(f), `${f} packed`);
  const stray = files.filter((f) => /^(test|\.scratch|\.tools|node_modules|bench|\.state)\//.test(f) || (f.endsWith('.test.ts') && !f.startsWith('examples/')));
  assert.deepEqual(stray, [], 'no tests, scratch, tools or node_modules in the tarball');
  assert.ok(info.size < 2_000_000, `tarball ${info.size} bytes`);
  t.diagnostic(`tarball ${info.size} bytes, ${files.length} files`);

  const project = join(dir, 'consumer');
  mkdirSync(project);
  const tarball = join(dir, info.filename);
  const manifest = JSON.parse(sh('tar', ['-xzOf', tarball, 'package/package.json'], dir).stdout) as PackedManifest;
  assert.equal((manifest as { private?: boolean }).private, undefined);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { mlcycle: `file:${tarball}` } }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(tarball, manifest)));
  const installed = sh('npm', ['install', '--offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], project);
  assert.equal(installed.status, 0, installed.out);
  lap('npm install');
  assert.ok(!existsSync(join(project, 'node_modules', 'onnxruntime-node')), 'the client install leaves out the worker\'s packages');

  const script = `const c = await import('mlcycle/client'); const s = await import('mlcycle/steps'); const { runStep } = await import('mlcycle/steps/testing');
const w = await import('mlcycle/webhooks');
const step = s.defineStep({ name: 'twice', description: 'doubles', config: s.z.object({ n: s.z.number() }), produces: ['data'], run: async (_c, { config }) => ({ data: { n: config.n * 2 } }) });
const r = await runStep(step, { with: { n: 21 } });
const e = await c.createClient({ address: '127.0.0.1:1' }).then(() => 'connected', (err) => err.message);
console.log(JSON.stringify({ client: typeof c.createClient, n: r.data.n, sign: typeof w.signWebhook, e }));`;
  const ran = sh(process.execPath, ['--input-type=module', '-e', script], project);
  assert.equal(ran.status, 0, ran.out);
  const got = JSON.parse(ran.stdout.trim().split('\n').pop()!) as { client: string; n: number; sign: string; e: string };
  assert.deepEqual({ client: got.client, n: got.n, sign: got.sign }, { client: 'function', n: 42, sign: 'function' });
  assert.match(got.e, /cannot reach Temporal at 127\.0\.0\.1:1/);

  writeFileSync(join(project, 'good.ts'), GOOD);
  writeFileSync(join(project, 'bad.ts'), BAD);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')] },
    files: ['good.ts', 'bad.ts'],
  }));
  const tsc = sh(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project);
  lap('tsc');
  const errors = tsc.out.split('\n').filter((l) => /error TS/.test(l));
  assert.deepEqual(errors.filter((l) => !l.startsWith('bad.ts')), [], 'good.ts typechecks with the packed types');
  assert.ok(errors.some((l) => /bad\.ts\(2,.*'adress' does not exist/.test(l)), tsc.out);
  assert.ok(errors.some((l) => /bad\.ts\(3,.*'string' is not assignable to type 'PipelineRef'/.test(l)), tsc.out);
  assert.ok(errors.some((l) => /bad\.ts\(4,.*not assignable to parameter of type 'SetTrafficInput'/.test(l)) && /'traffic' is missing/.test(tsc.out), tsc.out);
});
