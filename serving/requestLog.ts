// Which requests the access log (Fastify's "incoming request" / "request completed" lines) writes: not each answered prediction.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Routes whose answered requests are already recorded one by one in the prediction log (and counted in /metrics). */
const SCORING_ROUTES = new Set(['/v1/models/:name/predict', '/v2/models/:name/infer']);

/**
 * Logs every request but the scoring ones that succeed: a scoring request that fails (status ≥ 400, or an error) is
 * logged as before. At thousands of predictions a second, two access lines each cost the event loop more than
 * routing and checking; each answered prediction is in the prediction log (request id, model, latency) anyway.
 */
export class ServingLogController extends LogController {
  constructor(private readonly everyScoringRequest = false) {
    super();
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!this.skip(request)) super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!this.skip(request)) return super.requestCompleted(error, request, reply, metadata);
    // Its "incoming request" line was skipped: the request goes in this one.
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (reply.statusCode >= 400) reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  private skip(request: FastifyRequest): boolean {
    return !this.everyScoringRequest && SCORING_ROUTES.has(request.routeOptions.url ?? '');
  }
}
