// The machine-readable contracts written to the repo (OpenAPI, JSON Schemas): each file's path and its text, generated from the zod schemas.
import { readFileSync } from 'node:fs';
import { buildOpenApi } from '../serving/openapi.js';
import { SERVING_ROUTES } from '../serving/apiRoutes.js';
import { START_API_ROUTES } from './startApiRoutes.js';

export const REPO_ROOT = new URL('../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', REPO_ROOT), 'utf8')) as { version: string }).version;

/** How to rewrite them; a test that finds one stale names this command. */
export const REGENERATE = 'npm run contracts';

const text = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The whole server's document: the serving app, the codec endpoint and the start API share one Fastify server. */
export function openApiDocument(): Record<string, unknown> {
  return buildOpenApi([...SERVING_ROUTES, ...START_API_ROUTES], VERSION);
}

/** Repo-relative path → file text. */
export function contractFiles(): Map<string, string> {
  return new Map([['contracts/openapi/mlcycle.json', text(openApiDocument())]]);
}
