// Requests to roll out a version: from a stored definition's policy, started at once or queued behind the running rollout.
import type { Client } from '@temporalio/client';
import { ROLLOUT_WORKFLOW, TASK_QUEUE, rolloutWorkflowId } from '../contracts/names.js';
import { rolloutQueuedSignal, type NextRolloutInput, type RefusalInput, type RolloutInput } from '../contracts/rollout.js';
import type { Db } from '../lib/store/db.js';
import { getDefinition } from '../lib/store/definitions.js';
import { audit } from '../lib/store/models.js';
import { dropRequest, enqueueRollout, queuedRequests, type Enqueued, type NewRolloutRequest, type RequestMode } from '../lib/store/rolloutRequests.js';
import { RolloutConflict, rolloutTarget } from '../lib/store/rollouts.js';
import { activityOnceKey, type ActivityDeps } from './deps.js';

export interface RequestDeps {
  db: Db;
  temporal: Client;
}

/** The rollout input a request stands for, from its stored definition and the registry as they are now; or why there is none. */
export async function rolloutInputOf(db: Db, r: NewRolloutRequest): Promise<{ input: RolloutInput } | { problem: string }> {
  const ref = `${r.definition.name}@${r.definition.version}`;
  const stored = await getDefinition(db, r.definition.name, r.definition.version);
  if (!stored) return { problem: `definition ${ref} is not stored` };
  const policy = stored.definition.rollout;
  if (!policy) return { problem: `definition ${ref} has no "rollout" section: no thresholds, no rollout (fail closed)` };
  const found = await rolloutTarget(db, r.modelName, r.version, r.sha256);
  if ('problem' in found) return { problem: found.problem };
  return {
    input: {
      model: r.modelName, challenger: { version: r.version, sha256: r.sha256 }, task: found.task, policy, disagreementTolerance: found.disagreementTolerance,
      pipeline: { ...r.definition }, startedBy: r.requestedBy, reason: r.reason,
    },
  };
}

/** The oldest queued request that can still be rolled out, as a rollout input; those that cannot are dropped with why. */
export async function nextQueued(db: Db, model: string): Promise<RolloutInput | null> {
  for (const q of await queuedRequests(db, model)) {
    const built = await rolloutInputOf(db, q);
    if ('input' in built) return built.input;
    await dropRequest(db, q.id, built.problem);
    await audit(db, 'mlcycle', 'rollout_request_dropped', `${q.modelName}@${q.version}`, { reason: built.problem, requestedBy: q.requestedBy, request: q.id });
  }
  return null;
}

export interface Requested extends Enqueued {
  input: RolloutInput;
  /** True when no other rollout ran: this request's rollout is starting now (else it is queued behind `running`). */
  starting: boolean;
}

/**
 * Requests a rollout: refused (RolloutConflict) when the version cannot be rolled out under that definition, or in mode
 * `start` while another rollout runs. Otherwise recorded, and the model's rollout workflow is signalled-with-start: a
 * running rollout notes that a version waits (and, supersede, rolls back) and starts the next when it ends; with none
 * running, the oldest queued request begins now. Nothing is left waiting without a rollout that will start it.
 */
export async function requestRollout(deps: RequestDeps, r: NewRolloutRequest, mode: RequestMode): Promise<Requested> {
  const own = await rolloutInputOf(deps.db, r);
  if ('problem' in own) throw new RolloutConflict(own.problem);
  const queued = await enqueueRollout(deps.db, r, mode);
  const head = (await nextQueued(deps.db, r.modelName)) ?? own.input;
  await deps.temporal.workflow.signalWithStart(ROLLOUT_WORKFLOW, {
    workflowId: rolloutWorkflowId(r.modelName), taskQueue: TASK_QUEUE, args: [head], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal: rolloutQueuedSignal, signalArgs: [{ version: r.version, supersede: mode === 'supersede', by: r.requestedBy }],
    staticSummary: `rollouts of ${r.modelName} (first: v${head.challenger.version}, requested by ${head.startedBy})`,
  });
  const starting = !queued.running && head.challenger.version === r.version;
  await audit(deps.db, r.requestedBy, 'rollout_request', `${r.modelName}@${r.version}`, {
    reason: r.reason, mode, definition: `${r.definition.name}@${r.definition.version}`, outcome: starting ? 'starting' : 'queued',
    behind: queued.running ? queued.running.challengerVersion : null, superseded: queued.superseded.map((s) => s.version),
  }, activityOnceKey('rollout_request'));
  return { ...queued, input: own.input, starting };
}

export function createRolloutRequestActivities(deps: ActivityDeps) {
  return {
    /** At a rollout's end: the next queued version's input (the workflow continues as new into it), or null. */
    async nextQueuedRollout(n: NextRolloutInput): Promise<RolloutInput | null> {
      const next = await nextQueued(deps.db, n.model);
      if (next) await audit(deps.db, 'mlcycle', 'rollout_dequeue', `${n.model}@${next.challenger.version}`, { after: n.after, requestedBy: next.startedBy, definition: next.pipeline }, activityOnceKey('rollout_dequeue'));
      return next;
    },

    /** A person's command the rollout refused: audited with who, their reason and the refusal. */
    async auditRolloutRefusal(r: RefusalInput): Promise<void> {
      await audit(deps.db, r.actor, `rollout_${r.command}_refused`, `${r.model}@${r.version}`, { reason: r.reason, refusal: r.refusal, runId: r.runId, via: 'workflow' }, activityOnceKey('refusal'));
    },
  };
}
