// The serving app's routes as the OpenAPI document describes them: one entry per route, the bodies the zod schemas that validate them.
import { z } from 'zod';
import { inferBody } from './oip.js';
import { OutcomesBody } from './outcomeSchemas.js';
import type { RouteSpec } from './routeSpec.js';
import { EdgeLogBody, FeedbackBody, PredictBody } from './schemas.js';

const modelName = z.string().describe('a served model\'s name (GET /v1/models lists them)');
const anyObject = z.object({}).catchall(z.unknown());

const prediction = z.object({
  requestId: z.string(),
  label: z.string().optional().describe('a classifier\'s answer'),
  probabilities: z.record(z.string(), z.number().nullable()).optional().describe('a classifier\'s probability per class'),
  value: z.number().nullable().optional().describe('a regressor\'s answer'),
  variant: z.enum(['champion', 'challenger']),
  version: z.number().int(),
});
const predictAnswer = z.object({ model: z.string(), predictions: z.array(prediction) });

const servedModel = z.object({
  name: z.string(),
  champion: z.object({ version: z.number().int(), sha256: z.string() }),
  challenger: z.object({ version: z.number().int(), sha256: z.string(), weight: z.number(), mode: z.enum(['split', 'shadow']) }).nullable(),
  task: z.enum(['classification', 'regression']),
  inputs: z.array(z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical']) })),
  classes: z.array(z.string()),
});

const codecPayloads = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })) }).describe('Temporal payloads in proto3 JSON (base64 values)');

export const SERVING_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', url: '/openapi.json', tag: 'meta', summary: 'This document', response: { status: 200, description: 'the OpenAPI 3.1 document of the routes this server answers', schema: anyObject }, errors: [] },
  {
    method: 'GET', url: '/healthz', tag: 'meta', summary: 'Health: served models, shadow copies, the prediction log\'s state', errors: [],
    response: { status: 200, description: 'up', schema: z.object({ status: z.literal('ok'), models: z.number().int(), shadow: anyObject, predictionLog: anyObject }) },
  },
  { method: 'GET', url: '/metrics', tag: 'meta', summary: 'Prometheus metrics', errors: [], response: { status: 200, description: 'the Prometheus text format', contentType: 'text/plain' } },
  { method: 'GET', url: '/v1/models', tag: 'scoring', summary: 'The served models', errors: [], response: { status: 200, description: 'every served model, its champion and challenger', schema: z.object({ models: z.array(servedModel) }) } },
  {
    method: 'POST', url: '/v1/models/:name/predict', tag: 'scoring', summary: 'Score records', params: { name: modelName }, body: PredictBody,
    description: 'Header x-mlcycle-unit: the unit (user, device) of every instance, unless the body gives unitIds; a unit always meets the same variant.',
    response: { status: 200, description: 'one prediction per instance, in order', schema: predictAnswer }, errors: [400, 404, 413, 503],
  },
  {
    method: 'POST', url: '/v1/feedback', tag: 'feedback', summary: 'Labels for logged predictions', body: FeedbackBody, errors: [400, 404, 413],
    response: { status: 200, description: 'how many were stored; the request ids no logged prediction has', schema: z.object({ stored: z.number().int(), unknown: z.array(z.string()) }) },
  },
  {
    method: 'POST', url: '/v1/models/:name/log', tag: 'feedback', summary: 'Predictions an edge bundle made offline, logged for monitoring', params: { name: modelName }, body: EdgeLogBody,
    description: 'A batch id makes a resent batch a no-op (duplicate: true). The version must be the served champion or challenger; labels follow through /v1/feedback.',
    errors: [400, 404, 409, 413],
    response: { status: 200, description: 'how many instances were logged, whether the batch was a resend, and the role the version was logged under', schema: z.object({ logged: z.number().int(), duplicate: z.boolean(), variant: z.enum(['champion', 'challenger']), version: z.number().int() }) },
  },
  {
    method: 'POST', url: '/v1/models/:name/outcomes', tag: 'feedback', summary: 'Business outcomes for a model\'s success metrics', params: { name: modelName }, body: OutcomesBody, errors: [400, 404, 413],
    response: { status: 200, description: 'stored, duplicates, and the refused entries with their reasons', schema: z.object({ stored: z.number().int(), duplicates: z.number().int(), refused: z.array(anyObject) }) },
  },
  { method: 'GET', url: '/v2', tag: 'open inference protocol', summary: 'Server metadata', errors: [], response: { status: 200, description: 'name, version, extensions', schema: z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }) } },
  { method: 'GET', url: '/v2/health/live', tag: 'open inference protocol', summary: 'Liveness', errors: [], response: { status: 200, description: 'live', schema: z.object({ live: z.boolean() }) } },
  {
    method: 'GET', url: '/v2/health/ready', tag: 'open inference protocol', summary: 'Readiness: at least one model served', errors: [],
    response: { status: 200, description: 'ready', schema: z.object({ ready: z.literal(true) }) },
    other: { 503: { description: 'no model is served yet', schema: z.object({ ready: z.literal(false) }) } },
  },
  { method: 'GET', url: '/v2/models/:name', tag: 'open inference protocol', summary: 'Model metadata', params: { name: modelName }, errors: [404], response: { status: 200, description: 'inputs, outputs, versions', schema: anyObject } },
  { method: 'GET', url: '/v2/models/:name/ready', tag: 'open inference protocol', summary: 'Model readiness', params: { name: modelName }, errors: [404], response: { status: 200, description: 'ready', schema: z.object({ name: z.string(), ready: z.literal(true) }) } },
  {
    method: 'POST', url: '/v2/models/:name/infer', tag: 'open inference protocol', summary: 'Infer (JSON, or the binary tensor data extension)', params: { name: modelName }, body: inferBody,
    description: 'With Inference-Header-Content-Length: N the first N bytes are this JSON and the rest the tensors (application/octet-stream; gzip or deflate by Content-Encoding).',
    response: { status: 200, description: 'the outputs as tensors (binary when asked: Inference-Header-Content-Length)', schema: anyObject }, errors: [400, 404, 413, 503],
  },
  { method: 'POST', url: '/codec/encode', tag: 'codec', summary: 'Seal payloads (Temporal remote codec; served when MLCYCLE_CODEC_KEYS is set)', body: codecPayloads, errors: [400, 403, 413], response: { status: 200, description: 'the sealed payloads', schema: codecPayloads } },
  { method: 'POST', url: '/codec/decode', tag: 'codec', summary: 'Open sealed payloads (Temporal remote codec)', body: codecPayloads, errors: [400, 403, 413, 422], response: { status: 200, description: 'the opened payloads', schema: codecPayloads } },
  { method: 'OPTIONS', url: '/codec/*', tag: 'codec', summary: 'CORS preflight of the codec endpoint (no token)', errors: [400, 403, 405], response: { status: 204, description: 'allowed: the CORS headers' } },
];
