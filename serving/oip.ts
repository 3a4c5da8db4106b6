// The Open Inference Protocol (KServe v2 / Triton / MLServer) over HTTP: health, model metadata, infer — beside v1.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError } from './errors.js';
import type { ModelRegistry, ServedModel } from './modelRegistry.js';
import type { PredictResponse } from './predict.js';
import type { PredictBody } from './schemas.js';
import { BinaryInferBody, binaryOutputs, decodeInputs, encodeInferResponse, INFERENCE_HEADER, NUMERIC_TYPES, parseInferBody, type TensorInput, type TensorOutput } from './oipBinary.js';

/** Scores a v1 body for a served model (routing, logging, counting as v1 does). */
export type Score = (request: FastifyRequest, model: ServedModel, body: PredictBody, unit: string | undefined) => Promise<PredictResponse>;

/** Largest infer body (JSON or binary, and after inflating a compressed one): 10,000 instances of a few hundred columns. */
const INFER_BODY_LIMIT = 64 * 1024 * 1024;

/** The infer request's JSON (or, with the binary extension, its JSON header). */
export const inferBody = z
  .object({
    id: z.string().max(128).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z
      .array(
        z.object({
          name: z.string().min(1),
          shape: z.array(z.number().int().min(0)).min(1).max(2),
          datatype: z.string(),
          parameters: z.record(z.string(), z.unknown()).optional(),
          // Absent when the values follow the JSON header as bytes (parameters.binary_data_size).
          data: z.array(z.unknown()).optional(),
        }),
      )
      .min(1),
    outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
  })
  .passthrough();

function metadata(m: ServedModel) {
  const sig = m.champion.card.signature;
  const versions = [m.champion.version, ...(m.challenger ? [m.challenger.version] : [])].map(String);
  const outputs =
    m.champion.scoring.task === 'regression'
      ? [{ name: 'prediction', datatype: 'FP64', shape: [-1, 1] }]
      : [{ name: 'label', datatype: 'BYTES', shape: [-1] }, { name: 'probabilities', datatype: 'FP32', shape: [-1, sig.classes.length] }];
  return {
    name: m.name, versions, platform: 'onnxruntime_onnx',
    inputs: sig.inputs.map((i) => ({ name: i.name, datatype: i.kind === 'numeric' ? 'FP64' : 'BYTES', shape: [-1, 1] })),
    outputs,
  };
}

/** Columns of an infer request as v1 instances; every problem names the input. */
function toInstances(inputs: readonly (TensorInput & { data: unknown[] })[]): Record<string, unknown>[] {
  const rows = inputs[0].shape[0];
  if (rows < 1) throw new HttpError(400, 'BadInput', `input "${inputs[0].name}" has no rows`);
  const instances: Record<string, unknown>[] = Array.from({ length: rows }, () => ({}));
  for (const input of inputs) {
    const [n, width = 1] = input.shape;
    if (n !== rows) throw new HttpError(400, 'BadInput', `input "${input.name}" has ${n} rows, "${inputs[0].name}" ${rows}: every input is one column of the same rows`);
    if (width !== 1) throw new HttpError(400, 'BadInput', `input "${input.name}" has shape [${input.shape.join(', ')}]: one column per feature, shape [N] or [N, 1]`);
    if (input.data.length !== n) throw new HttpError(400, 'BadInput', `input "${input.name}" has ${input.data.length} values for shape [${input.shape.join(', ')}]`);
    const numeric = NUMERIC_TYPES.includes(input.datatype);
    if (!numeric && input.datatype !== 'BYTES') throw new HttpError(400, 'BadInput', `input "${input.name}": datatype ${input.datatype} is not supported (numbers or BYTES)`);
    input.data.forEach((v, i) => {
      instances[i][input.name] = v;
    });
  }
  return instances;
}

/** The outputs a model answers with, in order. */
function outputNames(m: ServedModel): string[] {
  return m.champion.scoring.task === 'regression' ? ['prediction'] : ['label', 'probabilities'];
}

function outputsOf(m: ServedModel, p: PredictResponse['predictions']): TensorOutput[] {
  if (m.champion.scoring.task === 'regression') {
    return [{ name: 'prediction', datatype: 'FP64', shape: [p.length, 1], data: p.map((x) => ('value' in x ? x.value : NaN)) }];
  }
  const classes = m.champion.card.signature.classes;
  return [
    { name: 'label', datatype: 'BYTES', shape: [p.length], data: p.map((x) => ('label' in x ? x.label : '')) },
    { name: 'probabilities', datatype: 'FP32', shape: [p.length, classes.length], data: p.flatMap((x) => ('probabilities' in x ? classes.map((c) => x.probabilities[c]) : [])) },
  ];
}

export function registerOip(app: FastifyInstance, registry: ModelRegistry, score: Score, version: string): void {
  const served = (name: string): ServedModel => {
    const m = registry.get(name);
    if (!m) throw new HttpError(404, 'NotFound', `model "${name}" is not served`);
    return m;
  };
  app.get('/v2', async () => ({ name: 'mlcycle', version, extensions: ['binary_tensor_data'] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => (registry.size > 0 ? { ready: true } : reply.code(503).send({ ready: false })));
  // Errors answer {"error": "<message>"} on /v2 (serving/errors.ts).
  app.get<{ Params: { name: string } }>('/v2/models/:name', async (req) => metadata(served(req.params.name)));
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (req) => (served(req.params.name), { name: req.params.name, ready: true }));

  const infer = async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const model = served(req.params.name);
    const binaryBody = req.body instanceof BinaryInferBody ? req.body : null;
    const parsed = inferBody.safeParse(binaryBody ? binaryBody.header : req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new HttpError(400, 'BadInput', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const body = parsed.data;
    // Every check comes before scoring: a refused request is neither scored nor logged.
    const instances = toInstances(decodeInputs(body.inputs, binaryBody?.tensors ?? null));
    const names = outputNames(model);
    const wanted = new Set(body.outputs?.map((o) => o.name) ?? []);
    for (const name of wanted) if (!names.includes(name)) throw new HttpError(400, 'BadInput', `output "${name}" is not one of ${names.join(', ')}`);
    for (const o of body.outputs ?? []) {
      const unsupported = ['classification', 'shared_memory_region'].find((k) => o.parameters?.[k] !== undefined);
      if (unsupported) throw new HttpError(400, 'BadInput', `output "${o.name}": parameters.${unsupported} is not supported (outputs come as tensors, in JSON or binary)`);
    }
    const requestIds = body.id && instances.length === 1 ? [body.id] : body.id ? instances.map((_, i) => `${body.id}-${i}`) : undefined;
    const unit = typeof body.parameters?.unit_id === 'string' ? body.parameters.unit_id : undefined;
    const p = (await score(req, model, { instances, ...(requestIds ? { requestIds } : {}) }, unit)).predictions;
    const all = outputsOf(model, p);
    const answer = encodeInferResponse(
      {
        model_name: model.name,
        model_version: String(model.champion.version),
        ...(body.id ? { id: body.id } : {}),
        parameters: { request_ids: p.map((x) => x.requestId).join(','), variants: p.map((x) => x.variant).join(','), versions: p.map((x) => x.version).join(',') },
        outputs: wanted.size ? all.filter((o) => wanted.has(o.name)) : all,
      },
      binaryOutputs(body.outputs, body.parameters),
    );
    if ('json' in answer) return answer.json;
    return reply.header(INFERENCE_HEADER, answer.headerLength).type('application/octet-stream').send(answer.bytes);
  };

  // Infer reads its own body: JSON whatever the Content-Type (tritonclient sends none), or the binary tensor data
  // extension (a JSON header of Inference-Header-Content-Length bytes, then the tensors; KServe's client says
  // application/octet-stream), gzip or deflate when Content-Encoding says so.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
      try {
        done(null, parseInferBody(raw as Buffer, req.headers[INFERENCE_HEADER], req.headers['content-encoding'], INFER_BODY_LIMIT));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.post<{ Params: { name: string } }>('/v2/models/:name/infer', { bodyLimit: INFER_BODY_LIMIT }, infer);
  });
}
