// `mlcycle rollout status|start|promote|rollback|pause|resume|traffic <model>`: watch and steer a model's rollout (every attempt audited).
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { queuedRequests } from '../lib/store/rolloutRequests.js';
import { cliActor } from './actor.js';
import { connect } from './connect.js';
import { formatRolloutState, RolloutCommandError, rolloutState, startRolloutByName, steerRollout, type SteerKind } from './rollout.js';
import { formatQueue } from './rolloutQueue.js';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function addRolloutCommand(program: Command): void {
  const rollout = program.command('rollout').description("watch and steer a model's rollout (shadow → canary → A/B): every command is audited");
  rollout
    .command('status <model>')
    .description("the rollout's live state: stage, traffic, samples per variant, the test's statistic and bound, guardrails, events, the definition its policy came from, versions queued behind it")
    .action(async (model: string) => {
      const conn = await connect(readEnv());
      try {
        const queued = await queuedRequests(conn.db, model);
        const state = await rolloutState(conn.client, model).catch((err: unknown) => {
          if (err instanceof RolloutCommandError && queued.length > 0) return null;
          throw err;
        });
        console.log([state ? formatRolloutState(state) : `${model}: no rollout yet`, ...formatQueue(queued, state)].join('\n'));
      } finally {
        await conn.close();
      }
    });
  rollout
    .command('start <model>')
    .description("roll out a registered, blessed version of a model under the rollout policy of its stored definition (the one that trained the version, else the newest)")
    .requiredOption('--version <n>', 'the version to roll out', positiveInt('--version'))
    .requiredOption('--reason <text>', 'why (audited)')
    .option('--pipeline <file>', 'take the policy from this pipeline file: it is registered as a new definition version first, as a run would')
    .option('--definition <version>', 'take the policy from this stored definition version of the model\'s pipeline')
    .option('--queue', 'when another rollout of the model runs, wait behind it (start when it ends) instead of being refused')
    .action(async (model: string, opts: { version: number; reason: string; pipeline?: string; definition?: string; queue?: boolean }) => {
      const conn = await connect(readEnv());
      try {
        const r = await startRolloutByName(conn, {
          model, version: opts.version, actor: cliActor(), reason: opts.reason, pipelineFile: opts.pipeline, definitionVersion: opts.definition, queue: opts.queue === true,
        });
        const policy = `policy of definition ${r.definition} (${r.definitionSource})`;
        if (r.outcome === 'queued') {
          const behind = r.behind !== null ? `behind the rollout of v${r.behind}` : 'behind an earlier queued version';
          console.log(`${model}@${opts.version} queued ${behind} (place ${r.position}): it starts when that one ends; ${policy}; npx mlcycle rollout status ${model}`);
        } else {
          console.log(`${model}@${opts.version} in rollout: ${r.stages.join(' → ')} (${r.workflowId}); ${policy}; npx mlcycle rollout status ${model}`);
        }
      } finally {
        await conn.close();
      }
    });
  const steer = (kind: SteerKind, description: string): Command =>
    rollout
      .command(kind === 'traffic' ? 'traffic <model> <share>' : `${kind} <model>`)
      .description(description)
      .requiredOption('--reason <text>', 'why (audited)')
      .option('--version <n>', 'the version you mean (refused if another one is in rollout)', positiveInt('--version'))
      .action(async (model: string, shareOrOpts: string | { reason: string; version?: number }, maybeOpts?: { reason: string; version?: number }) => {
        const opts = (kind === 'traffic' ? maybeOpts : shareOrOpts) as { reason: string; version?: number };
        const traffic = kind === 'traffic' ? Number(shareOrOpts) : undefined;
        if (traffic !== undefined && !(traffic > 0 && traffic <= 1)) throw new Error(`share must be a number in (0, 1], got "${String(shareOrOpts)}"`);
        const conn = await connect(readEnv());
        try {
          const input = { actor: cliActor(), reason: opts.reason, ...(opts.version ? { version: opts.version } : {}), ...(traffic !== undefined ? { traffic } : {}) };
          console.log(formatRolloutState(await steerRollout(conn, model, kind, input)));
        } finally {
          await conn.close();
        }
      });
  steer('promote', 'promote the challenger now: it becomes champion');
  steer('rollback', 'roll back now: all traffic returns to the champion');
  steer('pause', 'hold the stage and the decision (guardrails still roll back)');
  steer('resume', 'go on from a pause');
  steer('traffic', "set the current stage's share of units, in (0, 1]");
}
