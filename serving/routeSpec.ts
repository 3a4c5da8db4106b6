// What a route declares for the OpenAPI document: its body, params, query, answer and the errors it can give (zod, the schemas that validate).
import type { z } from 'zod';

/** Error statuses a route can answer besides 401/403 (from its role) and 500 (any route). */
export const ERROR_STATUSES = {
  400: 'BadInput: the body, a parameter or the query is malformed; the message names the problem by its path',
  403: 'Forbidden: refused for this caller (a path outside the data roots, an origin not allowed, a role the approval names)',
  404: 'NotFound: the model, run, rollout or record named is not there',
  405: 'BadInput: the method is not one this route answers',
  409: 'Refused or AlreadyStarted: the request conflicts with the current state (the message says which)',
  413: 'BadInput: the body is larger than the route accepts',
  422: 'CannotDecode: a payload could not be decoded (names the payload and the key id)',
  503: 'Unavailable: the service cannot take the request now (Retry-After says when to come back)',
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

export interface RouteSpec {
  method: 'GET' | 'POST' | 'OPTIONS';
  /** Fastify's form: `/v1/models/:name/predict`. */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  /** The JSON body, as the route validates it. */
  body?: z.ZodType;
  /** Path parameters the route checks by a schema; the others are documented as plain strings. */
  params?: Record<string, z.ZodType>;
  query?: Record<string, z.ZodType>;
  /** The answer when it succeeds. */
  response: { status: 200 | 202 | 204; description: string; schema?: z.ZodType; contentType?: string };
  errors: readonly ErrorStatus[];
  /** Answers that are neither the success nor an error body (e.g. /v2/health/ready's 503 {"ready": false}). */
  other?: Record<number, { description: string; schema?: z.ZodType }>;
}

/** `METHOD url`: how a registered route finds its description. */
export const routeKey = (method: string, url: string): string => `${method.toUpperCase()} ${url}`;
