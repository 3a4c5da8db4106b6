// The serving app (Fastify): health, served models, predict with A/B routing, feedback, edge logs; hot-reloads deployments.
import { SpillLineRejected } from './spill.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LoggerOptions } from 'pino';
import type { z } from 'zod';
import type { ArtifactStore } from '../lib/store/artifacts.js';
import type { Db } from '../lib/store/db.js';
import type { InvalidLabel } from '../lib/store/predictions.js';
import { insertFeedbackWithGrace } from './feedbackJoin.js';
import { badInput, HttpError, installErrorHandlers } from './errors.js';
import { installAuth } from './auth.js';
import { installOpenApi } from './openapi.js';
import { SERVING_ROUTES } from './apiRoutes.js';
import type { AuthToken } from '../lib/config/auth.js';
import { ModelRegistry, type ServedModel } from './modelRegistry.js';
import { predict } from './predict.js';
import { predictResponseJson } from './predictResponse.js';
import { PredictionLog, type PredictionLogOptions } from './predictionLog.js';
import { FeedbackBody, PredictBody, describeIssues, findDuplicate } from './schemas.js';
import { ScoringPool, type ScoringPoolOptions } from '../lib/scoring/scoringPool.js';
import { ServingCounters } from './counters.js';
import { ShadowLimiter } from './shadow.js';
import { ServingMetrics } from './metrics.js';
import { ServingLogController } from './requestLog.js';
import { registerOip, type Score } from './oip.js';
import { registerOutcomes } from './outcomes.js';
import { registerEdgeLog } from './edgeLogRoute.js';
import { readFileSync } from 'node:fs';
import { writePredictionBatch } from '../lib/store/predictions.js';
import { startRetention } from './retention.js';
import { WindowAggregates } from './aggregates.js';
import { codecEndpoint, type CodecEndpointOptions } from './codecEndpoint.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ServingDeps {
  db: Db;
  artifacts: ArtifactStore;
  logger?: boolean | LoggerOptions;
  /** A ready logger (the dev stack's file log); takes precedence over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  scoring?: ScoringPoolOptions;
  predictionLog?: PredictionLogOptions;
  /** How often drift aggregates are written (ms); default 10 s. */
  aggregateFlushMs?: number;
  /** Days of logged predictions kept; null → forever; absent → 90. */
  predictionRetentionDays?: number | null;
  /** Bearer tokens with roles; null or absent → no check (the stack allows that only on a loopback host). */
  tokens?: readonly AuthToken[] | null;
  /** Access-log every scoring request, not only the failed ones (requestLog.ts); default false. */
  logEveryScoringRequest?: boolean;
  /** Payload codec keys and the Web UI origins: serves /codec/encode and /codec/decode (codecEndpoint.ts); absent → no endpoint. */
  codec?: CodecEndpointOptions | null;
}

export interface ServingApp {
  app: FastifyInstance;
  /** Stops the server, writes the prediction log out, stops listening and the scoring threads. */
  close(): Promise<void>;
}

/** The unit (user, device, session) of every instance of a request, unless the body gives `unitIds`. */
export const UNIT_HEADER = 'x-mlcycle-unit';

/** Largest request body: 10,000 instances of a few hundred columns. */
const PREDICT_BODY_LIMIT = 64 * 1024 * 1024;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw badInput(describeIssues(result.error));
  return result.data;
}

/** Names the refused labels (the first few in full) and says that nothing was stored. */
function describeInvalidLabels(invalid: readonly InvalidLabel[]): string {
  const shown = invalid.slice(0, 5).map((i) => `"${i.requestId}" (label ${JSON.stringify(i.label.length > 40 ? `${i.label.slice(0, 37)}...` : i.label)})`);
  const more = invalid.length > shown.length ? ` and ${invalid.length - shown.length} more` : '';
  return `label must be a finite number for request id(s) scored by a regression model: ${shown.join(', ')}${more}; nothing was stored`;
}

function describeModel(m: ServedModel) {
  return {
    name: m.name,
    champion: { version: m.champion.version, sha256: m.champion.sha256 },
    challenger: m.challenger ? { version: m.challenger.version, sha256: m.challenger.sha256, weight: m.challengerWeight, mode: m.challengerMode } : null,
    task: m.champion.scoring.task,
    inputs: m.champion.card.signature.inputs.map((i) => ({ name: i.name, kind: i.kind })),
    classes: m.champion.card.signature.classes ?? [],
  };
}

export async function buildServingApp(deps: ServingDeps): Promise<ServingApp> {
  const logController = new ServingLogController(deps.logEveryScoringRequest);
  const app: FastifyInstance = deps.loggerInstance
    ? (Fastify({ loggerInstance: deps.loggerInstance as FastifyBaseLogger, logController }) as unknown as FastifyInstance)
    : Fastify({ logger: deps.logger ?? false, logController });
  installErrorHandlers(app);
  installAuth(app, deps.tokens ?? null);
  // Every route is described for GET /openapi.json; one registered without a description fails here, naming it.
  installOpenApi(app, VERSION, SERVING_ROUTES);
  // Any other content type is read as text and refused by the JSON check below, as a 400.
  // The Open Inference Protocol's clients send JSON without saying so (tritonclient: no Content-Type): /v2 reads it anyway.
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (!req.url.startsWith('/v2/')) return done(badInput('body must be JSON (Content-Type: application/json)'), undefined);
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(badInput('body is not valid JSON'), undefined);
    }
  });

  const pool = new ScoringPool(deps.scoring);
  const shadow = new ShadowLimiter();
  const metrics = new ServingMetrics({
    db: deps.db, logPending: () => log.pending, logState: () => log.state, shadowInFlight: () => shadow.active, shadowSkipped: () => shadow.skipped, queueDepth: () => pool.queueDepth,
  });
  const counters = new ServingCounters(
    deps.db,
    (err) => app.log.error({ err }, 'writing the serving counters failed; will retry'),
    (model, version, variant, requests, errors) => metrics.count(model, version, variant, requests, errors),
  );
  const onChallengerError = (err: unknown, model: string, version: number): void => {
    app.log.error({ err, model, version }, 'the challenger failed to score; the champion answered instead');
  };
  const log = new PredictionLog((batch) => writePredictionBatch(deps.db, batch), {
    ...deps.predictionLog,
    onError: deps.predictionLog?.onError ?? ((err) => app.log.error({ err }, err instanceof SpillLineRejected ? err.message : 'writing the prediction log failed; will retry')),
  });
  const aggregates = new WindowAggregates(deps.db, { flushMs: deps.aggregateFlushMs, onError: (err) => app.log.error({ err }, 'writing the drift aggregates failed; kept for the next flush') });
  let registry: ModelRegistry;
  try {
    await log.open();
    registry = await ModelRegistry.start({ db: deps.db, artifacts: deps.artifacts, pool, log: app.log });
    await aggregates.start();
  } catch (err) {
    await pool.close();
    throw err;
  }
  const stopRetention = startRetention(deps.db, deps.predictionRetentionDays === undefined ? 90 : deps.predictionRetentionDays, app.log);
  app.addHook('onClose', async () => {
    stopRetention();
    await registry.close();
    // Shadow copies still scoring are logged before the log closes.
    for (let waited = 0; shadow.active > 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    try {
      await counters.close().catch((err: unknown) => app.log.error({ err }, 'writing the serving counters failed'));
      await aggregates.close().catch((err: unknown) => app.log.error({ err }, 'writing the drift aggregates failed'));
      await log.close();
    } finally {
      await pool.close();
    }
  });

  if (deps.codec) await app.register(codecEndpoint, { prefix: '/codec', ...deps.codec });

  app.get('/healthz', async () => ({ status: 'ok', models: registry.size, shadow: { inFlight: shadow.active, skipped: shadow.skipped }, predictionLog: log.state }));

  app.get('/v1/models', async () => ({ models: registry.list().map(describeModel) }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // When each request arrived (before its body was read), for the logged latency.
  const arrivedAt = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => {
    arrivedAt.set(request.raw, performance.now());
  });
  const score: Score = async (request, model, body, unit) => {
    // Refused before scoring, never after: a prediction that could not be kept is not made.
    if (!log.accepting) {
      throw new HttpError(503, 'Unavailable', 'the prediction log cannot keep more predictions now (PostgreSQL is away and the spill is full or off); retry later', { retryAfterSeconds: 5 });
    }
    const start = arrivedAt.get(request.raw) ?? performance.now();
    const answer = await predict({ pool, log, counters, shadow, aggregates, onChallengerError, elapsedMs: () => performance.now() - start }, model, body, unit);
    metrics.request(model.name, (performance.now() - start) / 1000, body.instances.length);
    return answer;
  };

  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', { bodyLimit: PREDICT_BODY_LIMIT }, async (request, reply) => {
    const model = registry.get(request.params.name);
    if (!model) throw badInput(`model "${request.params.name}" is not served (GET /v1/models lists the served ones)`, 404);
    const body = parse(PredictBody, request.body);
    const unit = request.headers[UNIT_HEADER];
    if (Array.isArray(unit) || (unit !== undefined && (unit.length === 0 || unit.length > 128))) throw badInput(`header ${UNIT_HEADER} must be one id of 1-128 characters`);
    const answer = await score(request, model, body, unit);
    return reply.type('application/json; charset=utf-8').send(predictResponseJson(answer));
  });

  registerOip(app, registry, score, VERSION);
  registerEdgeLog(app, { db: deps.db, registry, aggregates, write: (batch) => writePredictionBatch(deps.db, batch) }, PREDICT_BODY_LIMIT);
  registerOutcomes(app, { db: deps.db, registry, flushLog: () => log.flush(), count: (...a) => metrics.outcomes(...a) });

  app.post('/v1/feedback', { bodyLimit: PREDICT_BODY_LIMIT }, async (request) => {
    const { feedback } = parse(FeedbackBody, request.body);
    const duplicate = findDuplicate(
      feedback.map((f) => f.requestId),
      (i) => `feedback[${i}].requestId`,
    );
    if (duplicate) throw badInput(`request ids must be unique: ${duplicate}`);
    await log.flush(); // a prediction made just before its label must be found (other replicas': the grace)
    const { stored, unknown, invalid } = await insertFeedbackWithGrace(deps.db, feedback);
    if (invalid.length > 0) throw badInput(describeInvalidLabels(invalid), 400, { invalid: invalid.map((i) => i.requestId) });
    if (stored === 0) {
      throw badInput(`none of the ${feedback.length} request id(s) matches a logged prediction`, 404, { unknown });
    }
    return { stored, unknown };
  });

  return { app, close: () => app.close() };
}
