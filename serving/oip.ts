// The Open Inference Protocol (KServe v2 / Triton / MLServer) over HTTP: health, model metadata, infer — beside v1.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError } from './errors.js';
import type { ModelRegistry, ServedModel } from './modelRegistry.js';
import type { PredictResponse } from './predict.js';
import type { PredictBody } from './schemas.js';

/** Scores a v1 body for a served model (routing, logging, counting as v1 does). */
export type Score = (request: FastifyRequest, model: ServedModel, body: PredictBody, unit: string | undefined) => Promise<PredictResponse>;

const NUMERIC_TYPES = ['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'];

const inferBody = z
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
          data: z.array(z.unknown()),
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
function toInstances(m: ServedModel, body: z.infer<typeof inferBody>): Record<string, unknown>[] {
  const rows = body.inputs[0].shape[0];
  if (rows < 1) throw new HttpError(400, 'BadInput', `input "${body.inputs[0].name}" has no rows`);
  const instances: Record<string, unknown>[] = Array.from({ length: rows }, () => ({}));
  for (const input of body.inputs) {
    const [n, width = 1] = input.shape;
    if (n !== rows) throw new HttpError(400, 'BadInput', `input "${input.name}" has ${n} rows, "${body.inputs[0].name}" ${rows}: every input is one column of the same rows`);
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

export function registerOip(app: FastifyInstance, registry: ModelRegistry, score: Score, version: string): void {
  const served = (name: string): ServedModel => {
    const m = registry.get(name);
    if (!m) throw new HttpError(404, 'NotFound', `model "${name}" is not served`);
    return m;
  };
  app.get('/v2', async () => ({ name: 'mlcycle', version, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => (registry.size > 0 ? { ready: true } : reply.code(503).send({ ready: false })));
  // Errors answer {"error": "<message>"} on /v2 (serving/errors.ts).
  app.get<{ Params: { name: string } }>('/v2/models/:name', async (req) => metadata(served(req.params.name)));
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (req) => (served(req.params.name), { name: req.params.name, ready: true }));
  app.post<{ Params: { name: string } }>('/v2/models/:name/infer', { bodyLimit: 64 * 1024 * 1024 }, async (req) => {
    const model = served(req.params.name);
    const parsed = inferBody.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new HttpError(400, 'BadInput', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const body = parsed.data;
    const instances = toInstances(model, body);
    const requestIds = body.id && instances.length === 1 ? [body.id] : body.id ? instances.map((_, i) => `${body.id}-${i}`) : undefined;
    const unit = typeof body.parameters?.unit_id === 'string' ? body.parameters.unit_id : undefined;
    const out = await score(req, model, { instances, ...(requestIds ? { requestIds } : {}) }, unit);
    const p = out.predictions;
    const wanted = new Set(body.outputs?.map((o) => o.name) ?? []);
    const all =
      'value' in p[0]
        ? [{ name: 'prediction', datatype: 'FP64', shape: [p.length, 1], data: p.map((x) => ('value' in x ? x.value : NaN)) }]
        : (() => {
            const classes = model.champion.card.signature.classes;
            return [
              { name: 'label', datatype: 'BYTES', shape: [p.length], data: p.map((x) => ('label' in x ? x.label : '')) },
              { name: 'probabilities', datatype: 'FP32', shape: [p.length, classes.length], data: p.flatMap((x) => ('probabilities' in x ? classes.map((c) => x.probabilities[c]) : [])) },
            ];
          })();
    for (const name of wanted) if (!all.some((o) => o.name === name)) throw new HttpError(400, 'BadInput', `output "${name}" is not one of ${all.map((o) => o.name).join(', ')}`);
    return {
      model_name: model.name,
      model_version: String(model.champion.version),
      ...(body.id ? { id: body.id } : {}),
      parameters: { request_ids: p.map((x) => x.requestId).join(','), variants: p.map((x) => x.variant).join(','), versions: p.map((x) => x.version).join(',') },
      outputs: wanted.size ? all.filter((o) => wanted.has(o.name)) : all,
    };
  });
}
