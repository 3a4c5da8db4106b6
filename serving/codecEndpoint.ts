// The remote codec of the Temporal Web UI and `temporal --codec-endpoint`: POST <prefix>/encode and <prefix>/decode, CORS for the UI.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PayloadDecryptError, type PayloadCipher } from '../lib/crypto/payloadCipher.js';
import { openPayload, sealPayload, type PlainPayload } from '../lib/crypto/payloadEnvelope.js';
import { payloadProto } from '../lib/crypto/payloadProto.js';
import { badInput, HttpError } from './errors.js';

export interface CodecEndpointOptions {
  cipher: PayloadCipher;
  /** Exact browser origins allowed (credentials included); a request from any other origin is refused. */
  corsOrigins: readonly string[];
}

/** A history's payloads can reach 2 MiB each; the UI sends an event's payloads at once. */
const BODY_LIMIT = 32 * 1024 * 1024;
/** What the protocol's callers send: JSON, the namespace, and (the CLI's --codec-auth, the UI's access token) a bearer token. */
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

/** proto3 JSON's bytes: standard or URL-safe base64, padding optional. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesOf(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw badInput(`${where} must be a base64 string`);
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}

/** The body `{payloads: [{metadata: {key: base64}, data: base64}]}`; a bad field is a 400 naming it. */
function parsePayloads(body: unknown): PlainPayload[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput('body must be a JSON object {"payloads": [...]}');
  const list = (body as { payloads?: unknown }).payloads;
  if (!Array.isArray(list)) throw badInput('payloads must be an array of {metadata, data}');
  return list.map((p: unknown, i) => {
    const where = `payloads[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw badInput(`${where} must be an object {metadata, data}`);
    const { metadata, data, externalPayloads, ...rest } = p as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw badInput(`${where}.${extra} is not a payload field (metadata, data)`);
    if (Array.isArray(externalPayloads) ? externalPayloads.length > 0 : externalPayloads != null) throw badInput(`${where}.externalPayloads is not supported`);
    if (metadata != null && (typeof metadata !== 'object' || Array.isArray(metadata))) throw badInput(`${where}.metadata must be an object of base64 strings`);
    const meta: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries((metadata ?? {}) as Record<string, unknown>)) meta[k] = bytesOf(v, `${where}.metadata.${k}`);
    return { metadata: meta, data: data == null ? new Uint8Array(0) : bytesOf(data, `${where}.data`) };
  });
}

function toJson(p: PlainPayload): { metadata: Record<string, string>; data: string } {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array(0)).toString('base64') };
}

/** Unknown key id, failed authentication, a sealed payload that is not one: 422, naming the payload and the key id. */
function decodeAll(cipher: PayloadCipher, payloads: PlainPayload[]): PlainPayload[] {
  return payloads.map((p, i) => {
    try {
      return openPayload(cipher, p, payloadProto);
    } catch (err) {
      if (!(err instanceof PayloadDecryptError)) throw err;
      throw new HttpError(422, 'CannotDecode', `payloads[${i}]: ${err.message}`, { index: i, keyId: err.keyId, reason: err.reason });
    }
  });
}

/**
 * A Fastify plugin; register it with a prefix (`app.register(codecEndpoint, { prefix: '/codec', ... })`).
 * Access: serving/auth.ts checks the bearer token before these routes run. encode and decode need the `operate` role:
 * decoding shows what histories hold (pipelines, metrics, model details), encoding lets a caller write payloads workers
 * will trust; that is an operator's business, not a scoring client's. A preflight (OPTIONS) carries no credentials by
 * the CORS rules, so it is answered without a token (route `<prefix>/*`), and only for the allowed origins.
 */
export async function codecEndpoint(app: FastifyInstance, o: CodecEndpointOptions): Promise<void> {
  const allowed = new Set(o.corsOrigins);
  const originOf = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    return typeof origin === 'string' ? origin : undefined;
  };
  const refuseOrigin = (origin: string): never => {
    throw new HttpError(403, 'Forbidden', `origin ${origin} may not call the codec endpoint; allowed: ${[...allowed].join(', ') || '(none)'} (MLCYCLE_CODEC_CORS_ORIGINS)`);
  };
  // Every answer to an allowed origin carries the CORS headers, 401s included, so the UI can show why it was refused.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = originOf(request);
    reply.header('vary', 'Origin');
    if (origin && allowed.has(origin)) reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true');
  });

  app.options('/*', async (request, reply) => {
    const origin = originOf(request);
    if (!origin) throw badInput('a CORS preflight needs an Origin header');
    if (!allowed.has(origin)) refuseOrigin(origin);
    const method = request.headers['access-control-request-method'];
    if (method !== undefined && method !== 'POST') throw badInput(`the codec endpoint answers POST only, not ${String(method)}`, 405);
    reply.header('access-control-allow-methods', 'POST, OPTIONS').header('access-control-allow-headers', ALLOWED_HEADERS).header('access-control-max-age', '600');
    return reply.code(204).send();
  });

  const handler = (convert: (payloads: PlainPayload[]) => PlainPayload[]) => async (request: FastifyRequest) => {
    const origin = originOf(request);
    if (origin && !allowed.has(origin)) refuseOrigin(origin);
    return { payloads: convert(parsePayloads(request.body)).map(toJson) };
  };
  app.post('/encode', { bodyLimit: BODY_LIMIT }, handler((payloads) => payloads.map((p) => sealPayload(o.cipher, p, payloadProto))));
  app.post('/decode', { bodyLimit: BODY_LIMIT }, handler((payloads) => decodeAll(o.cipher, payloads)));
}
