// Bearer tokens with roles on every endpoint but health: 401 without a known token, 403 without the route's role.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthToken, Role } from '../lib/config/auth.js';
import { HttpError } from './errors.js';

/** The role each route needs; a route not listed needs `operate`; '*' any known token (the route checks the role it names). */
const ROUTE_ROLES: Record<string, Role | null> = {
  // Approvals: the role is the one the waiting run's definition names (triggers/approvalApi.ts checks it and audits refusals).
  '/v1/approvals': '*',
  '/v1/approvals/:target': '*',
  '/healthz': null,
  // The API's description (serving/openapi.ts): it holds no data, and a client reads it before it has a token.
  '/openapi.json': null,
  '/v1/models': 'score',
  '/v1/models/:name/predict': 'score',
  '/v1/feedback': 'feedback',
  '/v1/models/:name/outcomes': 'feedback',
  '/v1/models/:name/log': 'feedback',
  '/v2': 'score',
  '/v2/health/live': null,
  '/v2/health/ready': null,
  '/v2/models/:name': 'score',
  '/v2/models/:name/ready': 'score',
  '/v2/models/:name/infer': 'score',
  // The codec endpoint (codecEndpoint.ts): decoding shows what histories hold, so operators only; preflights carry no token.
  '/codec/encode': 'operate',
  '/codec/decode': 'operate',
  '/codec/*': null,
};

/** The role a route needs: null for none, '*' for any known token, else the role's name (a route not listed: `operate`). */
export function routeRole(url: string | undefined): Role | null {
  return url !== undefined && url in ROUTE_ROLES ? ROUTE_ROLES[url] : 'operate';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated token's subject; 'anonymous' when the service runs without tokens. */
    subject: string;
    /** The authenticated token's roles; null when the service runs without tokens. */
    roles: string[] | null;
  }
}

/** Installs the check; with no tokens every request is `anonymous` (the stack allows that only on loopback). */
export function installAuth(app: FastifyInstance, tokens: readonly AuthToken[] | null): void {
  app.decorateRequest('subject', 'anonymous');
  app.decorateRequest('roles', null);
  if (!tokens) return;
  const known = tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const route = request.routeOptions.url;
    const role = routeRole(route);
    if (role === null) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'Unauthorized', 'a bearer token is required: Authorization: Bearer <token>');
    }
    const presented = digest(match[1]);
    const holder = known.find((t) => timingSafeEqual(t.digest, presented));
    if (!holder) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'Unauthorized', 'the bearer token is not one this service knows');
    }
    if (role !== '*' && !holder.roles.includes(role)) throw new HttpError(403, 'Forbidden', `the token of "${holder.subject}" lacks the role "${role}" that ${request.method} ${route} needs`);
    request.subject = holder.subject;
    request.roles = holder.roles;
  });
}
