// The machine-readable contracts written to the repo (OpenAPI, JSON Schemas): each file's path and its text, generated from the zod schemas.
import { readFileSync } from 'node:fs';
import { buildOpenApi, jsonSchemaOf } from '../serving/openapi.js';
import { SERVING_ROUTES } from '../serving/apiRoutes.js';
import { START_API_ROUTES } from './startApiRoutes.js';
import type { ContractSchema } from './schemas/same.js';
import { WORKFLOW_INPUT_SCHEMAS } from './schemas/workflowInputs.js';
import { ROLLOUT_SCHEMAS } from './schemas/rollout.js';
import { APPROVAL_SCHEMAS } from './schemas/approval.js';
import { WEBHOOK_EVENT_SCHEMAS } from './schemas/webhookEvents.js';

export const REPO_ROOT = new URL('../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', REPO_ROOT), 'utf8')) as { version: string }).version;

/** How to rewrite them; a test that finds one stale names this command. */
export const REGENERATE = 'npm run contracts';

const text = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The whole server's document: the serving app, the codec endpoint and the start API share one Fastify server. */
export function openApiDocument(): Record<string, unknown> {
  return buildOpenApi([...SERVING_ROUTES, ...START_API_ROUTES], VERSION);
}

/** The workflow contracts other languages start and steer runs with (Temporal workflow inputs, Updates, Signals, Queries). */
export const WORKFLOW_CONTRACTS: readonly ContractSchema[] = [...WORKFLOW_INPUT_SCHEMAS, ...ROLLOUT_SCHEMAS, ...APPROVAL_SCHEMAS];
/** Every JSON Schema written: the workflow contracts and the webhook events mlcycle sends. */
export const CONTRACT_SCHEMAS: readonly ContractSchema[] = [...WORKFLOW_CONTRACTS, ...WEBHOOK_EVENT_SCHEMAS];

/** A contract's JSON Schema (2020-12), titled and described. */
export function contractJsonSchema(c: ContractSchema): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: c.title, description: c.description, ...jsonSchemaOf(c.schema, c.io) };
}

export const schemaPath = (c: ContractSchema): string => `contracts/schema/${c.file}.json`;

/** Repo-relative path → file text. */
export function contractFiles(): Map<string, string> {
  return new Map([
    ['contracts/openapi/mlcycle.json', text(openApiDocument())],
    ...CONTRACT_SCHEMAS.map((c): [string, string] => [schemaPath(c), text(contractJsonSchema(c))]),
  ]);
}
