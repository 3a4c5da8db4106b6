// The OpenAPI 3.1 document, built from the routes' descriptions (routeSpec.ts); a route registered without one fails the app's start.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { routeRole } from './auth.js';
import { ERROR_STATUSES, routeKey, type RouteSpec } from './routeSpec.js';

const BEARER = 'bearerToken';

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect); a value zod checks by code (z.custom) is an object. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === 'custom') ctx.jsonSchema.type = 'object';
    },
  }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const errorBody = z
  .object({ error: z.string().describe('a stable type: BadInput, Unauthorized, Forbidden, NotFound, Refused, AlreadyStarted, CannotDecode, Unavailable, InternalError'), message: z.string().describe('what is wrong, naming the field or thing') })
  .catchall(z.unknown())
  .describe('An error (serving/errors.ts); some carry details beside the message, e.g. "unknown", "refused", "invalid", "retryAfterSeconds"');
const oipErrorBody = z.object({ error: z.string().describe('what is wrong') }).describe('An Open Inference Protocol error: {"error": "<message>"}');

const AUTH_ERRORS = {
  401: 'Unauthorized: no bearer token, or one the service does not know (WWW-Authenticate: Bearer)',
  403: 'Forbidden: the token lacks the role this route needs',
} as const;

/** `/v1/models/:name` → `/v1/models/{name}`; a wildcard `*` → `{path}`. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
const pathParams = (url: string): string[] => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).concat(url.endsWith('*') ? ['path'] : []);
const operationId = (s: RouteSpec): string =>
  `${s.method.toLowerCase()}${openApiPath(s.url).split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`;

function operation(s: RouteSpec): Record<string, unknown> {
  const role = routeRole(s.url);
  const errorRef = { $ref: `#/components/schemas/${s.url.startsWith('/v2') ? 'OipError' : 'Error'}` };
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
  const responses: Record<string, unknown> = {
    [s.response.status]: {
      description: s.response.description,
      ...(s.response.schema || s.response.contentType ? { content: { [s.response.contentType ?? 'application/json']: { schema: s.response.schema ? jsonSchemaOf(s.response.schema, 'output') : {} } } } : {}),
    },
  };
  const errors = new Map<number, string[]>(s.errors.map((status) => [status, [ERROR_STATUSES[status]]]));
  if (role !== null) for (const [status, why] of Object.entries(AUTH_ERRORS)) errors.set(Number(status), [why, ...(errors.get(Number(status)) ?? [])]);
  for (const [status, why] of [...errors].sort(([a], [b]) => a - b)) responses[status] = errorResponse(why.join('; or '));
  for (const [status, o] of Object.entries(s.other ?? {})) {
    responses[status] = { description: o.description, ...(o.schema ? { content: { 'application/json': { schema: jsonSchemaOf(o.schema, 'output') } } } : {}) };
  }
  responses[500] = errorResponse('InternalError: the server log has the details');
  const parameters = [
    ...pathParams(s.url).map((name) => ({ name, in: 'path', required: true, schema: s.params?.[name] ? jsonSchemaOf(s.params[name]) : { type: 'string' } })),
    ...Object.entries(s.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: !schema.safeParse(undefined).success, schema: jsonSchemaOf(schema) })),
  ];
  return {
    operationId: operationId(s),
    summary: s.summary,
    ...(s.description ? { description: s.description } : {}),
    tags: [s.tag],
    'x-mlcycle-role': role,
    security: role === null ? [] : [{ [BEARER]: role === '*' ? [] : [role] }],
    ...(parameters.length ? { parameters } : {}),
    ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(s.body) } } } } : {}),
    responses,
  };
}

/** The document for these routes; paths sorted, so the same routes give the same bytes whatever their registration order. */
export function buildOpenApi(specs: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...specs].sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url < b.url ? -1 : 1));
  for (const s of sorted) (paths[openApiPath(s.url)] ??= {})[s.method.toLowerCase()] = operation(s);
  return {
    openapi: '3.1.0',
    info: {
      title: 'mlcycle HTTP API',
      version,
      description:
        'Scoring (v1 and the Open Inference Protocol v2), feedback and outcomes, and — when the server reaches Temporal — starting runs, rollouts, approvals and lineage. ' +
        'Every operation names the role its bearer token needs in x-mlcycle-role (null: no token; "*": any known token, the route checks the role it names).',
    },
    tags: [...new Set(sorted.map((s) => s.tag))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token from MLCYCLE_TOKENS_FILE or MLCYCLE_TOKENS (subject:token:role+role). Roles: score (predictions, model metadata), feedback (labels, outcomes), ' +
            'operate (metrics, runs, rollouts, lineage, the codec), and any a pipeline definition names for its approvals. A server without tokens (loopback only) checks none.',
        },
      },
      schemas: { Error: jsonSchemaOf(errorBody, 'output'), OipError: jsonSchemaOf(oipErrorBody, 'output') },
    },
    paths,
  };
}

/** A route registered without a description: the app refuses to start, naming it. */
export class UndescribedRoute extends Error {
  override name = 'UndescribedRoute';
}

/** The described routes of one app, and which of them it registered. */
export class ApiRoutes {
  readonly specs = new Map<string, RouteSpec>();
  readonly registered = new Set<string>();
  /** The registered routes' descriptions, in registration order. */
  served(): RouteSpec[] {
    return [...this.registered].map((k) => this.specs.get(k)!);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    apiRoutes: ApiRoutes;
  }
}

/** Adds route descriptions; call before registering the routes they describe. */
export function describeRoutes(app: FastifyInstance, specs: readonly RouteSpec[]): void {
  if (!app.hasDecorator('apiRoutes')) throw new Error('describeRoutes: the app has no OpenAPI registry (installOpenApi first)');
  for (const s of specs) {
    const key = routeKey(s.method, s.url);
    if (app.apiRoutes.specs.has(key)) throw new Error(`${key} is described twice`);
    app.apiRoutes.specs.set(key, s);
  }
}

/** Checks every route added from now on against its description, and serves the document at GET /openapi.json. */
export function installOpenApi(app: FastifyInstance, version: string, specs: readonly RouteSpec[]): void {
  const routes = new ApiRoutes();
  app.decorate('apiRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue; // Fastify's HEAD twin of every GET answers as the GET does
      const key = routeKey(method, r.url);
      if (!routes.specs.has(key)) {
        throw new UndescribedRoute(
          `${key} is registered without an OpenAPI description: add a RouteSpec for it (serving/apiRoutes.ts, or triggers/startApiRoutes.ts for the start API), ` +
            'then `npm run contracts` to rewrite contracts/openapi/mlcycle.json',
        );
      }
      routes.registered.add(key);
    }
  });
  describeRoutes(app, specs);
  app.get('/openapi.json', async () => buildOpenApi(routes.served(), version));
}
