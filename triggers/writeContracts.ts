// `npm run contracts`: rewrites contracts/openapi/ and contracts/schema/ from the zod schemas (a test fails while they are stale).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractFiles, REPO_ROOT } from './contractFiles.js';

for (const [path, content] of contractFiles()) {
  const file = fileURLToPath(new URL(path, REPO_ROOT));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  console.log(`wrote ${path}`);
}
