// Writes an HTML report under the reports folder atomically (a reader never sees half a page); returns its path.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeReport(reportsDir: string, relativePath: string, html: string): Promise<string> {
  const path = join(reportsDir, relativePath);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, html);
  await rename(tmp, path);
  return path;
}
