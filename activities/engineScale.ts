// The engine activities that keep a run's cost flat in its size: the plan in pages, and the whole memoized prefix in one call.
import { Context } from '@temporalio/activity';
import { findStepResults, recordReusedSteps } from '../lib/store/stepResults.js';
import { resultStands, stepKeyOf } from '../lib/store/stepCache.js';
import { planPage } from '../lib/steps/compactPlan.js';
import { stepInputs, type StepOutputs } from '../contracts/steps.js';
import type { PlanPage, PlanPageInput, ResolvedMemo, ResolveMemoInput } from '../contracts/engine.js';
import { checkedDefinitionOf, definitionOf } from './definitions.js';
import type { ActivityDeps } from './deps.js';

/** Plans up to this size get every reused step's outputs back (their result lists every step). */
export const SMALL_PLAN = 500;

export function createEngineScaleActivities(deps: ActivityDeps) {
  return {
    async planPage(input: PlanPageInput): Promise<PlanPage> {
      return planPage((await checkedDefinitionOf(deps, input.pipeline)).plan, input.offset);
    },

    /**
     * Walks the plan wave by wave: every step whose needs are all done or reused gets its key, one query looks the wave's
     * keys up, and the hits open the next wave. A step that misses (or cannot be cached) ends its branch; it runs.
     */
    async resolveMemo(input: ResolveMemoInput): Promise<ResolvedMemo> {
      const none: ResolvedMemo = { runs: [], reused: [], outputs: {} };
      // Changed modules fail the steps that use them when they run, with the reason; here they only mean "no reuse".
      const checked = await checkedDefinitionOf(deps, input.pipeline).catch(() => null);
      if (!checked) return none;
      const def = await definitionOf(deps, input.pipeline);
      const steps = checked.plan.steps;
      const index = new Map(steps.map((s, k) => [s.id, k]));
      const outputs = new Map<string, StepOutputs>();
      const done = new Set(input.doneIndices);
      for (const [k, o] of Object.entries(input.done)) outputs.set(steps[Number(k)].id, o);
      const dependents: number[][] = steps.map(() => []);
      const consumers: number[][] = steps.map(() => []);
      steps.forEach((s, k) => Object.values(s.inputs).forEach((from) => consumers[index.get(from as string) as number].push(k)));
      const waiting = steps.map((s, k) => {
        for (const n of s.needs) dependents[index.get(n) as number].push(k);
        return s.needs.filter((n) => !done.has(index.get(n) as number)).length;
      });
      const resolved = new Set<number>(done);
      const reused: { k: number; key: string; fromRun: string }[] = [];
      let wave = steps.map((_, k) => k).filter((k) => !done.has(k) && waiting[k] === 0);
      while (wave.length > 0) {
        if (!Context.current().info.isLocal) Context.current().heartbeat(reused.length);
        const keyed = wave.flatMap((k) => {
          const step = steps[k];
          const descriptor = checked.catalog.get(step.uses);
          if (!descriptor) return [];
          const q = { def, descriptor, step, inputs: stepInputs(step, outputs), source: input.source, sourceDigest: input.sourceDigest };
          const { cacheKey, cacheable } = stepKeyOf(q);
          return cacheable ? [{ k, q, cacheKey }] : [];
        });
        const found = await findStepResults(deps.db, keyed.map((x) => x.cacheKey));
        const next: number[] = [];
        for (const { k, q, cacheKey } of keyed) {
          const recorded = found.get(cacheKey);
          if (!recorded || (q.descriptor.validWhile && !(await resultStands(deps.db, q, recorded)))) continue;
          resolved.add(k);
          outputs.set(steps[k].id, recorded.outputs);
          reused.push({ k, key: cacheKey, fromRun: recorded.runId });
          for (const d of dependents[k]) if (--waiting[d] === 0 && !resolved.has(d)) next.push(d);
        }
        wave = next;
      }
      const temporalRunId = Context.current().info.workflowExecution?.runId ?? input.runId;
      reused.sort((a, b) => a.k - b.k);
      await recordReusedSteps(
        deps.db,
        { runId: input.runId, temporalRunId, pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version },
        reused.map((r) => ({ stepId: steps[r.k].id, uses: steps[r.k].uses, cacheKey: r.key, codeVersion: checked.catalog.get(steps[r.k].uses)?.codeVersion ?? null, reusedFrom: r.fromRun })),
      );
      // Outputs travel back only where the workflow needs them: inputs (by port) of steps still to run, built-ins, small plans.
      const small = steps.length <= SMALL_PLAN;
      const wanted = (k: number): boolean => small || steps[k].builtin || consumers[k].some((d) => !resolved.has(d));
      const runs = [...new Set(reused.map((r) => r.fromRun))];
      const runIndex = new Map(runs.map((r, i) => [r, i]));
      return {
        runs,
        reused: reused.map((r, i) => [r.k, runIndex.get(r.fromRun) as number, i < input.listUpTo || steps[r.k].builtin ? r.key : '']),
        outputs: Object.fromEntries(reused.filter((r) => wanted(r.k)).map((r) => [r.k, outputs.get(steps[r.k].id) as StepOutputs])),
      };
    },
  };
}
