// `mlcycle rollout status|start|promote|rollback|pause|resume|traffic`: watch and steer a model's rollout (audited).
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { resolvePipeline } from './client.js';
import { connect } from './connect.js';
import { formatRolloutState, rolloutInputFor, rolloutState, startRollout, steerRollout, type SteerKind } from './rollout.js';

const actor = (): string => process.env.USER || process.env.LOGNAME || 'cli';

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
    .description("the rollout's live state: stage, traffic, samples per variant, the test's statistic and bound, guardrails, events")
    .action(async (model: string) => {
      const conn = await connect(readEnv());
      try {
        console.log(formatRolloutState(await rolloutState(conn.client, model)));
      } finally {
        await conn.close();
      }
    });
  rollout
    .command('start <pipeline>')
    .description("roll out a registered, blessed version under the pipeline's rollout policy")
    .requiredOption('--version <n>', 'the version to roll out', positiveInt('--version'))
    .requiredOption('--reason <text>', 'why (audited)')
    .action(async (ref: string, opts: { version: number; reason: string }) => {
      const pipeline = await resolvePipeline(ref);
      const conn = await connect(readEnv());
      try {
        const input = await rolloutInputFor(conn.db, pipeline, opts.version, actor(), opts.reason);
        const id = await startRollout(conn.client, input);
        console.log(`${pipeline.name}@${opts.version} in rollout: ${input.policy.stages.map((s) => s.name).join(' → ')} (${id}); npx mlcycle rollout status ${pipeline.name}`);
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
          const input = { actor: actor(), reason: opts.reason, ...(opts.version ? { version: opts.version } : {}), ...(traffic !== undefined ? { traffic } : {}) };
          console.log(formatRolloutState(await steerRollout(conn.client, model, kind, input)));
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
