// `mlcycle run P`: check and store the definition, start the run (or print its plan) and follow its DAG to the end.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import type { LifecycleResult } from '../contracts/types.js';
import { resolvePipeline, startLifecycle } from './client.js';
import { connect } from './connect.js';
import { formatPlan, previewRun } from './planPreview.js';
import { followRun } from './progress.js';

/** One line per step, then what the run made: the model, its holdout score and where it serves. */
export function formatResult(result: LifecycleResult): string {
  const lines = result.steps.map((s) => `  ${s.state === 'reused' ? '↺' : '✓'} ${s.id.padEnd(12)} ${s.state === 'reused' ? `reused from ${s.reusedFrom}` : `${(s.durationMs / 1000).toFixed(1)} s`}  ${s.summary}`);
  const { model, bestTrial, candidate } = result;
  if (model && bestTrial && candidate) {
    const metric = bestTrial.metric;
    lines.push(
      `done: ${model.name}@${model.version} (${bestTrial.algorithm}) holdout ${metric} ${candidate.holdoutMetrics[metric]?.toFixed(3)}; ` +
        (result.deployment ? `serving as ${result.deployment.role}` : `not deployed (${candidate.gateReason})`),
    );
  } else lines.push(`done: ${result.steps.length} steps`);
  return lines.join('\n');
}

export function addRunCommand(program: Command): void {
  program
    .command('run <pipeline>')
    .description('check the definition, start a lifecycle run (an example name such as seattle-weather, or a pipeline.json path) and follow its steps')
    .option('--data <file>', "train on this data file instead of the pipeline's data.path")
    .option('--rerun', 'run again on data that already had a run (steps with a recorded result are reused)')
    .option('--no-cache', 'execute every step even when a result for its cache key is recorded')
    .option('--plan', 'print the DAG and which steps would be reused; start nothing')
    .option('--no-wait', 'start the run and return')
    .action(async (ref: string, opts: { data?: string; rerun?: boolean; cache: boolean; plan?: boolean; wait: boolean }) => {
      const pipeline = await resolvePipeline(ref);
      const conn = await connect(readEnv());
      try {
        const options = { dataPath: opts.data, rerun: opts.rerun, noCache: !opts.cache, reason: 'started from the CLI' };
        if (opts.plan) {
          console.log(formatPlan(await previewRun(conn, pipeline, options)));
          return;
        }
        const run = await startLifecycle(conn, pipeline, options).catch((err) => {
          if (err instanceof WorkflowExecutionAlreadyStartedError) throw new Error(`${err.workflowId} already ran on this data; pass --rerun to run it again`);
          throw err;
        });
        const ui = conn.info.temporalUiUrl ? `\n  ${conn.info.temporalUiUrl}/namespaces/${conn.info.namespace}/workflows/${encodeURIComponent(run.workflowId)}` : '';
        console.log(`started ${run.workflowId} (definition ${run.pipeline.name}@${run.pipeline.version})${ui}`);
        if (!opts.wait) return;
        console.log(formatResult(await followRun(run.handle)));
      } finally {
        await conn.close();
      }
    });
}
