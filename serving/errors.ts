// HTTP errors of the serving API: typed 4xx answers, and a handler that never leaks a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify';

/** An answer the client caused: status, stable error type, a message naming the problem, optional details. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function badInput(message: string, statusCode = 400, details: Record<string, unknown> = {}): HttpError {
  return new HttpError(statusCode, 'BadInput', message, details);
}

/** Fastify's own 4xx errors (body parsing, limits) as BadInput, everything unexpected as a bare 500. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    // The Open Inference Protocol's error body is {"error": "<message>"}.
    const oip = request.url.startsWith('/v2');
    if (err instanceof HttpError) {
      // A refusal that says when to come back says it where HTTP clients and proxies look too (RFC 9110 §10.2.3).
      const retryAfter = err.details.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
      return reply.code(err.statusCode).send(oip ? { error: err.message } : { error: err.error, message: err.message, ...err.details });
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status === 415 ? 400 : status).send(oip ? { error: clientMessage(err) } : { error: 'BadInput', message: clientMessage(err) });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'InternalError', message: 'internal error; the server log has the details' });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: 'NotFound', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}

function clientMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'body must be JSON (Content-Type: application/json)';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body must be JSON, got an empty body';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `body is not valid JSON: ${err.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body is too large';
    default:
      return err instanceof SyntaxError ? `body is not valid JSON: ${err.message}` : err.message;
  }
}
