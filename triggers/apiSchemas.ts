// The start API's request schemas (zod): what the routes validate and what the OpenAPI document shows, from one place.
import { z } from 'zod';
import type { SteerKind } from './rollout.js';

/** POST /v1/runs. */
export const startRunBody = z
  .object({
    pipeline: z.string().min(1).max(1024).describe('an example\'s name, or a pipeline.json below the data roots'),
    dataPath: z.string().min(1).max(4096).optional(),
    rerun: z.boolean().optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();

/** A model name or a run's workflow id: what awaits an approval. */
export const approvalTarget = z.string().regex(/^[a-z0-9][a-zA-Z0-9:._@-]{0,300}$/, 'must be a model name or a run\'s workflow id');
export const decideBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    // Checked (and a refusal audited) by the workflow: an empty reason is an attempt too.
    reason: z.string().max(500),
    id: z.string().min(1).max(63).optional(),
  })
  .strict();

export const rolloutModelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a model name (lowercase letters, digits and dashes)');
// The reason is checked (and a refusal audited) by the rollout, not here: an empty reason is an attempt too.
const reason = z.string().max(500);
const version = z.number().int().positive();
export const rolloutStartBody = z
  .object({ version, reason, pipeline: z.string().min(1).max(4096).optional(), definition: z.string().min(1).max(64).optional(), queue: z.boolean().optional() })
  .strict();
export const rolloutSteerBody = z.object({ reason, version: version.optional(), traffic: z.number().optional() }).strict();

/** POST /v1/rollouts/:model/<command> (start has a route of its own). */
export const ROLLOUT_COMMANDS = ['promote', 'rollback', 'pause', 'resume', 'traffic'] as const satisfies readonly SteerKind[];
