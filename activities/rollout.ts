// The rollout workflow's activities: begin, move a stage, check (guardrails + sequential test), end, audit a command.
import { failure } from '../contracts/failures.js';
import type { AssessInput, AuditInput, BeginRolloutInput, FinishInput, StageInput } from '../contracts/rollout.js';
import { rolloutMetric } from '../lib/config/rollout.js';
import { assess, pairedOutcomes, splitOutcomes, type Assessment, type Observation } from '../lib/rollout/assess.js';
import { predictionShift } from '../lib/rollout/shift.js';
import { audit } from '../lib/store/models.js';
import { beginRollout, finishRollout, RolloutConflict, setRolloutStage } from '../lib/store/rollouts.js';
import { observePairs, observeSplit, observeTraffic, recentAnswers } from '../lib/store/rolloutObservations.js';
import { observeSuccess, splitSuccess } from '../lib/store/successObservations.js';
import type { SplitState } from '../lib/stats/sequential.js';
import { observeMetrics } from './rolloutMetrics.js';
import { activityOnceKey, type ActivityDeps } from './deps.js';
import { sendEvent } from './events.js';
import type { RolloutDecidedEvent, RolloutStageEvent, RolloutStartedEvent, RolloutSteeredEvent } from '../contracts/webhookEvents.js';
import { WEBHOOK_EVENT_VERSION } from '../lib/webhooks/post.js';

/** A conflict with the deployment is no infrastructure fault: the rollout cannot go on (not retried). */
async function orNotDeployable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RolloutConflict) throw failure('NotDeployable', err.message);
    throw err;
  }
}

/** Answers per variant the prediction shift is computed over (the latest of the stage). */
const SHIFT_SAMPLE = 5000;

export function createRolloutActivities(deps: ActivityDeps) {
  return {
    async beginRollout(b: BeginRolloutInput): Promise<{ championVersion: number; startedAt: string }> {
      const { input } = b;
      const first = input.policy.stages[0];
      const row = await orNotDeployable(() =>
        beginRollout(deps.db, {
          workflowId: b.workflowId, runId: b.runId, modelName: input.model, challengerVersion: input.challenger.version, sha256: input.challenger.sha256,
          stage: first.name, mode: first.name === 'shadow' ? 'shadow' : 'split', traffic: first.traffic, actor: input.startedBy, reason: input.reason,
        }),
      );
      // From the stored row, so a retry (which finds the rollout begun) sends the same event.
      const event: RolloutStartedEvent = {
        version: WEBHOOK_EVENT_VERSION, kind: 'rollout', event: 'started', id: `rollout-started:${b.runId}`, model: input.model, workflowId: b.workflowId, runId: b.runId,
        championVersion: row.championVersion, challengerVersion: input.challenger.version, stage: first.name, mode: first.name === 'shadow' ? 'shadow' : 'split',
        traffic: first.traffic, startedBy: input.startedBy, reason: input.reason, time: row.startedAt,
      };
      await sendEvent(deps, event, `${input.model}@${input.challenger.version}`);
      return { championVersion: row.championVersion, startedAt: row.startedAt };
    },

    async setRolloutStage(s: StageInput): Promise<void> {
      await orNotDeployable(() =>
        setRolloutStage(deps.db, { runId: s.runId, modelName: s.model, challengerVersion: s.challengerVersion, stage: s.stage, mode: s.mode, traffic: s.traffic, actor: s.actor, reason: s.reason }),
      );
      const event: RolloutStageEvent = {
        version: WEBHOOK_EVENT_VERSION, kind: 'rollout', event: 'stage', id: `rollout-stage:${s.runId}:${s.stage}:${s.traffic}`, model: s.model, runId: s.runId,
        challengerVersion: s.challengerVersion, stage: s.stage, mode: s.mode, traffic: s.traffic, actor: s.actor, reason: s.reason, time: new Date().toISOString(),
      };
      await sendEvent(deps, event, `${s.model}@${s.challengerVersion}`);
    },

    async assessRollout(a: AssessInput): Promise<Assessment> {
      const { input } = a;
      const policy = input.policy;
      const stage = policy.stages[a.stageIndex];
      const metric = rolloutMetric(policy, input.task);
      const versions = { modelName: input.model, championVersion: a.championVersion, challengerVersion: input.challenger.version };
      const traffic = await observeTraffic(deps.db, versions, a.stageStartedAt);
      const answers = await recentAnswers(deps.db, versions, a.stageStartedAt, SHIFT_SAMPLE);
      const shift = predictionShift(input.task, answers.champion, answers.challenger, policy.guardrails.minRequests);
      let obs: Observation;
      if (stage.name === 'shadow') {
        const pairs = await observePairs(deps.db, versions, metric, a.stageStartedAt, input.disagreementTolerance);
        obs = {
          stageIndex: a.stageIndex, elapsedSeconds: a.elapsedSeconds, traffic, predictionShift: shift,
          disagreement: { pairs: pairs.pairs, disagree: pairs.disagree, perUnit: pairs.disagreement },
          outcomes: pairedOutcomes(pairs.differences), stageSamples: pairs.differences.n,
        };
      } else {
        const since = a.splitStartedAt ?? a.stageStartedAt;
        const all = await observeSplit(deps.db, versions, metric, since);
        const inStage = since === a.stageStartedAt ? all : await observeSplit(deps.db, versions, metric, a.stageStartedAt);
        obs = {
          stageIndex: a.stageIndex, elapsedSeconds: a.elapsedSeconds, traffic, predictionShift: shift, disagreement: null,
          outcomes: splitOutcomes(metric, all), stageSamples: Math.min(inStage.champion.n, inStage.challenger.n),
        };
        const declared = policy.success;
        if (declared) {
          // The success metric decides: its sums since the first split stage, its samples in this stage (exposures old enough).
          const until = new Date(Date.now() - declared.waitSeconds * 1000).toISOString();
          const read = async (from: string) => splitSuccess(
            await observeSuccess(deps.db, { modelName: input.model, metric: declared, since: from, until }), a.championVersion, input.challenger.version,
          );
          const sums = await read(since);
          const stageSums = since === a.stageStartedAt ? sums : await read(a.stageStartedAt);
          const success: SplitState = { kind: 'means', version: 2, ...sums };
          obs = { ...obs, success, stageSamples: Math.min(stageSums.champion.n, stageSums.challenger.n) };
        }
      }
      // rollout.guardrails.metrics: each variant's classification metrics on its labelled answers in the stage.
      if (policy.guardrails.metrics?.length) obs = { ...obs, metrics: await observeMetrics(deps.db, versions, a.stageStartedAt, stage.name === 'shadow') };
      return assess(policy, metric, obs, a.previous);
    },

    async finishRollout(f: FinishInput): Promise<void> {
      const row = await finishRollout(deps.db, {
        runId: f.runId, modelName: f.model, status: f.outcome === 'promoted' ? 'promoted' : 'rolled_back', decidedBy: f.decidedBy, reason: f.reason, assessment: f.assessment,
      });
      // From the ended row, so a retry (which finds the rollout ended) sends the same event.
      const event: RolloutDecidedEvent = {
        version: WEBHOOK_EVENT_VERSION, kind: 'rollout', event: 'decided', id: `rollout-decided:${row.runId}`, model: row.modelName, workflowId: row.workflowId, runId: row.runId,
        outcome: row.status === 'promoted' ? 'promoted' : 'rolled_back', championVersion: row.championVersion, challengerVersion: row.challengerVersion,
        decidedBy: row.decidedBy, reason: row.reason, time: row.decidedAt ?? new Date().toISOString(),
      };
      await sendEvent(deps, event, `${row.modelName}@${row.challengerVersion}`);
    },

    async auditRollout(e: AuditInput): Promise<void> {
      const once = activityOnceKey(e.action);
      await audit(deps.db, e.actor, e.action, `${e.model}@${e.version}`, { reason: e.reason, runId: e.runId }, once);
      const action = e.action.replace(/^rollout_/, '');
      if (action !== 'pause' && action !== 'resume') return;
      const event: RolloutSteeredEvent = {
        version: WEBHOOK_EVENT_VERSION, kind: 'rollout', event: 'steered', id: `rollout-steered:${once ?? `${e.runId}/${e.action}/${Date.now()}`}`, model: e.model, runId: e.runId,
        challengerVersion: e.version, action, actor: e.actor, reason: e.reason, time: new Date().toISOString(),
      };
      await sendEvent(deps, event, `${e.model}@${e.version}`);
    },
  };
}
