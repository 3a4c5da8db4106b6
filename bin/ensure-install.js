#!/usr/bin/env node
// Installs the locked packages (`npm ci`) when node_modules is missing or older than package-lock.json, so `npm run demo` works on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';

const stamp = 'node_modules/.package-lock.json';
const stale = !existsSync(stamp) || statSync(stamp).mtimeMs < statSync('package-lock.json').mtimeMs;
// A node_modules that is a link to another checkout's (a git worktree) is that checkout's to install: `npm ci` here would empty it.
const linked = existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink();
if (stale && linked) {
  console.warn('mlcycle: node_modules is a link to another checkout and may be older than package-lock.json; run `npm ci` there if a package is missing');
} else if (stale) {
  console.log('mlcycle: installing the locked dependencies (npm ci)…');
  // ONNXRUNTIME_NODE_INSTALL=skip: an npm that does not enforce allowScripts (npm 10, early npm 11) runs onnxruntime-node's
  // postinstall, which would download CUDA libraries (see .npmrc); npm 11.19 here and npm 12 do not run it at all.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
