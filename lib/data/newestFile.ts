// The newest file in a folder whose name matches a glob-like pattern (`*` any run of characters, `?` one character).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A file-name pattern as a regular expression: `*` and `?` are wildcards, everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Whether a file name matches the pattern; names starting with a dot match only a pattern that does. */
export function matchesPattern(name: string, pattern: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return patternToRegExp(pattern).test(name);
}

export interface NewestFile {
  path: string;
  mtimeMs: number;
}

export class FolderError extends Error {
  override name = 'FolderError';
}

/** The newest regular file matching the pattern (by modification time, ties by the greater name), or null. */
export async function newestMatchingFile(folder: string, pattern: string): Promise<NewestFile | null> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new FolderError(`cannot read folder ${folder}: ${err.code === 'ENOENT' ? 'no such folder' : err.message}`);
  });
  let best: (NewestFile & { name: string }) | null = null;
  for (const entry of entries) {
    if (!matchesPattern(entry.name, pattern)) continue;
    const path = join(folder, entry.name);
    const info = await stat(path).catch(() => null); // removed meanwhile, or a broken link
    if (!info?.isFile()) continue;
    if (!best || info.mtimeMs > best.mtimeMs || (info.mtimeMs === best.mtimeMs && entry.name > best.name)) {
      best = { path, mtimeMs: info.mtimeMs, name: entry.name };
    }
  }
  return best ? { path: best.path, mtimeMs: best.mtimeMs } : null;
}

/** sha256 of a file's bytes (streamed), hex. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
