// The rollout's Updates, Signal and Query (promote, rollback, pause, resume, setTraffic, rolloutQueued, rolloutState) as zod schemas, checked against contracts/rollout.ts.
import { z } from 'zod';
import type { Assessment, QueuedSignal, RolloutState, SetTrafficInput, SteerInput } from '../../contracts/rollout.js';
import { ROLLOUT_WORKFLOW } from '../../contracts/names.js';
import { ROLLOUT_METRICS } from '../../lib/config/rollout.js';
import { approvalRequest } from './approval.js';
import { sameType, type ContractSchema } from './same.js';

export const steerInput = z.object({
  actor: z.string().describe('who (audited)'),
  reason: z.string().describe('why (required, audited)'),
  version: z.number().optional().describe('the version the person means; refused when another is in rollout'),
});
sameType<z.infer<typeof steerInput>, SteerInput>(true);

export const setTrafficInput = steerInput.extend({ traffic: z.number().describe('the current stage\'s share, in (0, 1]') });
sameType<z.infer<typeof setTrafficInput>, SetTrafficInput>(true);

export const queuedSignal = z.object({ version: z.number(), supersede: z.boolean(), by: z.string() });
sameType<z.infer<typeof queuedSignal>, QueuedSignal>(true);

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

export const rolloutState = z.object({
  model: z.string(),
  championVersion: z.number().nullable(),
  challengerVersion: z.number(),
  status: z.enum(['running', 'paused', 'promoted', 'rolled back']),
  stage: z.string(),
  stageIndex: z.number(),
  stages: z.array(z.string()),
  mode: z.enum(['shadow', 'split']),
  traffic: z.number(),
  startedAt: z.string(),
  stageStartedAt: z.string(),
  metric: z.enum(ROLLOUT_METRICS),
  definition: z.string().nullable().optional().describe('name@version of the stored definition its policy came from'),
  // The sequential test's state and the guardrails' checks (lib/rollout/assess.ts): an object, described there.
  assessment: z.custom<Assessment>(isObject).nullable().describe('the latest check: action, by, reason, the test, guardrails, stageSamples'),
  events: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), reason: z.string() })),
  decision: z.object({ outcome: z.enum(['promoted', 'rolled back']), by: z.string(), reason: z.string() }).nullable(),
  approval: approvalRequest.nullable().optional(),
});
sameType<z.infer<typeof rolloutState>, RolloutState>(true);

export const ROLLOUT_SCHEMAS: readonly ContractSchema[] = [
  {
    file: 'rollout-steer-input', title: 'SteerInput', schema: steerInput, io: 'input',
    description: `The argument of the Updates "promote", "rollback", "pause" and "resume" of the workflow type "${ROLLOUT_WORKFLOW}" (id rollout:<model>).`,
  },
  { file: 'rollout-set-traffic-input', title: 'SetTrafficInput', description: 'The argument of the Update "setTraffic".', schema: setTrafficInput, io: 'input' },
  { file: 'rollout-queued-signal', title: 'QueuedSignal', description: 'The argument of the Signal "rolloutQueued".', schema: queuedSignal, io: 'input' },
  {
    file: 'rollout-state', title: 'RolloutState', schema: rolloutState, io: 'output',
    description: `The answer of the Query "rolloutState", the result of every rollout Update, and the result of "${ROLLOUT_WORKFLOW}".`,
  },
];
