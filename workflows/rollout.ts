// The rollout workflow: shadow → canary → A/B, checked every interval (guardrails, sequential test); people steer by Updates.
import {
  CancellationScope, condition, ContinueAsNew, continueAsNew, isCancellation, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import { failure, failureTypeOf, NON_RETRYABLE_TYPES, rootMessage } from '../contracts/failures.js';
import { ROLLOUT_STAGE_ATTRIBUTE } from '../contracts/names.js';
import {
  pauseUpdate, promoteUpdate, resumeUpdate, rollbackUpdate, rolloutQueuedSignal, rolloutStateQuery, setTrafficUpdate,
  type Assessment, type RolloutInput, type RolloutResult, type RolloutState,
} from '../contracts/rollout.js';
import type { Activities } from './policies.js';
import { PromotionApproval } from './rolloutApproval.js';
import { commandName, describeCommand, refusalOf, validateCommand, type Command, type CommandKind } from './rolloutSteer.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'rollout',
});

/** What a continued run carries over (history stays short however long the rollout lasts). */
export interface RolloutCarry {
  rolloutRunId: string;
  state: RolloutState;
  stageStartedMs: number;
  pausedMs: number;
  pausedAt: number | null;
  splitStartedAt: string | null;
  /** The test's running p-value and confidence sequence (reset when shadow's paired test gives way to the split test). */
  previous: { pValue: number; lower: number | null; upper: number | null } | null;
  /** rolloutQueued signals received (a version waits in the queue): at its end the rollout starts the next one. */
  queueNudges?: number;
}

const MAX_EVENTS = 50;
/** History length past which the rollout continues as new (carrying its state), unless the input says otherwise. */
const CONTINUE_AS_NEW_EVENTS = 5000;

export async function rolloutWorkflow(input: RolloutInput, carry?: RolloutCarry): Promise<RolloutResult> {
  const info = workflowInfo();
  const { policy } = input;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const first = policy.stages[0];
  const run: RolloutCarry = carry ?? {
    rolloutRunId: info.runId, stageStartedMs: Date.now(), pausedMs: 0, pausedAt: null, splitStartedAt: first.name === 'shadow' ? null : iso(Date.now()), previous: null,
    state: {
      model: input.model, championVersion: null, challengerVersion: input.challenger.version, status: 'running', stage: first.name, stageIndex: 0,
      stages: policy.stages.map((s) => s.name), mode: first.name === 'shadow' ? 'shadow' : 'split', traffic: first.traffic, startedAt: iso(Date.now()),
      stageStartedAt: iso(Date.now()), metric: policy.metric ?? (input.task === 'classification' ? 'accuracy' : 'squaredError'), assessment: null, events: [], decision: null,
      definition: input.pipeline ? `${input.pipeline.name}@${input.pipeline.version}` : null,
    },
  };
  const { state } = run;
  const subject = `${input.model}@${input.challenger.version}`;
  const event = (actor: string, action: string, reason: string): void => {
    state.events.push({ at: iso(Date.now()), actor, action, reason });
    if (state.events.length > MAX_EVENTS) state.events.shift();
  };
  const show = (): void => {
    upsertSearchAttributes([{ key: ROLLOUT_STAGE_ATTRIBUTE, value: state.status === 'running' ? state.stage : state.status }]);
    const a = state.assessment;
    const test = a ? `test: ${a.test.reason} (Λ ${a.test.statistic.toPrecision(3)} / bound ${a.test.bound})` : 'no check yet';
    const awaiting = state.approval?.status === 'awaiting' ? `; awaiting approval by the role "${state.approval.role}" until ${state.approval.deadline} (npx mlcycle approve ${input.model})` : '';
    const decision = state.decision ? `**${state.decision.outcome}** by ${state.decision.by}: ${state.decision.reason}` : `${state.status}, ${state.stage} on ${Math.round(state.traffic * 1000) / 10}%${awaiting}`;
    setCurrentDetails(`${subject} vs champion v${state.championVersion}: ${decision}\n\n${test}\n\nnpx mlcycle rollout status ${input.model}`);
  };

  const commands: Command[] = [];
  let ending = false;
  // rollout.approval: promotion waits for a person holding its role (the `approval` Update); none → the test promotes.
  const gate = policy.approval ? new PromotionApproval(info.workflowId, policy.approval, input, state) : null;
  setHandler(rolloutStateQuery, () => state);
  /** Every refused attempt is audited (with its reason and the refusal) before the Update fails with the refusal. */
  const refuse = async (kind: CommandKind, cmd: Command['input'], refusal: string): Promise<never> => {
    await acts.auditRolloutRefusal({
      model: input.model, version: input.challenger.version, actor: cmd.actor, command: commandName(kind), reason: String(cmd.reason ?? ''), refusal, runId: run.rolloutRunId,
    });
    throw failure('CommandRefused', refusal, { audited: true });
  };
  const steer = (kind: CommandKind) => ({
    handler: async (cmd: Command['input']): Promise<RolloutState> => {
      const refusal = refusalOf(state, kind, cmd, ending) ?? (kind === 'promote' && gate ? gate.refusePromote() : null);
      if (refusal !== null) return refuse(kind, cmd, refusal);
      const c: Command = { kind, input: cmd, applied: false };
      commands.push(c);
      await condition(() => c.applied);
      return state;
    },
    validator: (cmd: Command['input']): void => validateCommand(cmd),
  });
  for (const [def, kind] of [[promoteUpdate, 'promote'], [rollbackUpdate, 'rollback'], [pauseUpdate, 'pause'], [resumeUpdate, 'resume'], [setTrafficUpdate, 'setTraffic']] as const) {
    const { handler, validator } = steer(kind);
    setHandler(def, handler, { validator });
  }
  // A version queued behind this rollout: remembered (and carried over) so that the end starts the next; supersede rolls this one back.
  setHandler(rolloutQueuedSignal, (q) => {
    run.queueNudges = (run.queueNudges ?? 0) + 1;
    if (q.supersede && q.version !== input.challenger.version && !state.decision && !ending) {
      commands.push({ kind: 'rollback', input: { actor: 'mlcycle', reason: `superseded by v${q.version} (requested by ${q.by}; the definition's rollout.whenBusy is supersede)` }, applied: false });
    }
  });

  if (!carry) {
    const begun = await acts.beginRollout({ workflowId: info.workflowId, runId: info.runId, input });
    state.championVersion = begun.championVersion;
    state.startedAt = begun.startedAt;
    event(input.startedBy, 'started', `${state.stage} on ${state.traffic}: ${input.reason}`);
  }
  show();

  const end = async (outcome: 'promoted' | 'rolled back', by: string, reason: string, assessment: Assessment | null): Promise<void> => {
    ending = true;
    gate?.withdraw(`the rollout was ${outcome} by ${by} before a decision: ${reason}`);
    await acts.finishRollout({ runId: run.rolloutRunId, model: input.model, outcome, decidedBy: by, reason, assessment });
    state.status = outcome;
    state.decision = { outcome, by, reason };
    event(by, outcome, reason);
    show();
  };
  const moveTo = async (stageIndex: number, traffic: number, actor: string, reason: string): Promise<boolean> => {
    const stage = policy.stages[stageIndex];
    const mode = stage.name === 'shadow' ? 'shadow' : 'split';
    try {
      await acts.setRolloutStage({ runId: run.rolloutRunId, model: input.model, challengerVersion: input.challenger.version, stage: stage.name, mode, traffic, actor, reason });
    } catch (err) {
      if (failureTypeOf(err) !== 'NotDeployable') throw err;
      await end('rolled back', 'mlcycle', `cannot move to ${stage.name}: ${rootMessage(err)}`, state.assessment);
      return false;
    }
    if (stageIndex !== state.stageIndex) {
      run.stageStartedMs = Date.now();
      run.pausedMs = 0;
      state.stageStartedAt = iso(run.stageStartedMs);
      if (mode === 'split' && !run.splitStartedAt) {
        run.splitStartedAt = state.stageStartedAt;
        run.previous = null; // a new test: unpaired outcomes from here on
      }
    }
    Object.assign(state, { stageIndex, stage: stage.name, mode, traffic });
    event(actor, `stage ${stage.name} on ${Math.round(traffic * 1000) / 10}%`, reason);
    show();
    return true;
  };
  const apply = async (c: Command): Promise<void> => {
    const { actor, reason } = c.input;
    const why = `${describeCommand(c.kind, c.input)} by ${actor}: ${reason}`;
    if (c.kind === 'promote') return end('promoted', actor, why, state.assessment);
    if (c.kind === 'rollback') return end('rolled back', actor, why, state.assessment);
    if (c.kind === 'setTraffic') {
      await moveTo(state.stageIndex, (c.input as { traffic: number }).traffic, actor, reason);
      return;
    }
    if (c.kind === 'pause') {
      state.status = 'paused';
      run.pausedAt = Date.now();
    } else {
      run.pausedMs += Date.now() - (run.pausedAt ?? Date.now());
      run.pausedAt = null;
      state.status = 'running';
    }
    await acts.auditRollout({ model: input.model, version: input.challenger.version, actor, action: `rollout_${c.kind}`, reason, runId: run.rolloutRunId });
    event(actor, describeCommand(c.kind, c.input), reason);
    show();
  };

  /** A command accepted before the decision but overtaken by it (two at once): audited as refused; its sender gets the final state. */
  const refuseOvertaken = async (c: Command): Promise<void> => {
    if (c.input.actor === 'mlcycle') return;
    const by = state.decision ? `${state.decision.outcome} by ${state.decision.by}` : 'decided';
    await acts.auditRolloutRefusal({
      model: input.model, version: input.challenger.version, actor: c.input.actor, command: commandName(c.kind), reason: c.input.reason,
      refusal: `the rollout was decided (${by}) before the command was applied`, runId: run.rolloutRunId,
    });
  };
  /** Applies people's commands in order; once decided, later ones just get the final state. */
  const drain = async (): Promise<void> => {
    for (const c of commands.filter((x) => !x.applied)) {
      if (!state.decision) await apply(c);
      else if (patched('rollout-audit-overtaken-commands')) await refuseOvertaken(c);
      c.applied = true;
    }
  };
  /** Before the run ends or continues as new: every accepted command answered (none left waiting on this loop). */
  const settle = async (): Promise<void> => {
    while (!allHandlersFinished()) {
      await drain();
      await condition(() => allHandlersFinished() || commands.some((c) => !c.applied));
    }
  };

  try {
    while (!state.decision) {
      const steered = await condition(() => commands.some((c) => !c.applied) || (gate?.settled ?? false), policy.intervalSeconds * 1000);
      await drain();
      if (gate?.settled && !state.decision) {
        const v = gate.verdict();
        await end(v.outcome, v.by, v.reason, state.assessment);
      }
      if (steered || state.decision) continue;
      const pausedNow = run.pausedAt !== null ? Date.now() - run.pausedAt : 0;
      const a = await acts.assessRollout({
        input, championVersion: state.championVersion ?? 0, stageIndex: state.stageIndex, elapsedSeconds: (Date.now() - run.stageStartedMs - run.pausedMs - pausedNow) / 1000,
        stageStartedAt: state.stageStartedAt, splitStartedAt: run.splitStartedAt, previous: run.previous,
      });
      state.assessment = a;
      run.previous = { pValue: a.test.pValue, lower: a.test.lower, upper: a.test.upper };
      // Paused: people hold the stage and the decision; a guardrail breach still rolls back.
      if (a.action === 'rollback' && ((state.status === 'running' && !gate?.awaiting) || a.by === 'guardrail')) await end('rolled back', a.by ?? 'test', a.reason, a);
      else if (state.status === 'paused') show();
      else if (a.action === 'promote' && gate) {
        await gate.open(a);
        show();
      } else if (a.action === 'promote') await end('promoted', 'test', a.reason, a);
      else if (a.action === 'advance') {
        const next = state.stageIndex + 1;
        await moveTo(next, policy.stages[next].traffic, 'mlcycle', a.reason);
      } else show();
      if (!state.decision && !gate?.awaiting && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS))) {
        await settle();
        if (!state.decision) await continueAsNew<typeof rolloutWorkflow>(input, run);
      }
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // the same rollout goes on in a new run
    // Fail closed: cancelled, or a check that kept failing, returns all traffic to the champion before the run ends.
    const why = isCancellation(err) ? 'the rollout workflow was cancelled' : `the rollout failed (${rootMessage(err)}): all traffic returns to the champion`;
    if (!state.decision) await CancellationScope.nonCancellable(() => end('rolled back', 'mlcycle', why, state.assessment));
    throw err;
  }
  await gate?.finished();
  await settle();
  // Versions queued behind this rollout (only ever after a rolloutQueued signal): the next one begins in a new run of
  // this workflow id. A signal that arrives while the queue is read makes it read again, so none is left waiting.
  for (let seen = 0; (run.queueNudges ?? 0) > seen; ) {
    seen = run.queueNudges ?? 0;
    const next = await acts.nextQueuedRollout({ model: input.model, after: run.rolloutRunId });
    await settle();
    if (next) await continueAsNew<typeof rolloutWorkflow>(next);
  }
  return state;
}
