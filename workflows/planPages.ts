// The plan as the v2 interpreter loads it: page by page through an engine activity, expanded into planned steps in memory.
import type { PlanPage } from '../contracts/engine.js';
import type { PlannedStep, PipelineRef } from '../contracts/steps.js';
import { engineLocal } from './policies.js';

export interface LoadedPlan {
  steps: PlannedStep[];
  parallel: PlanPage['parallel'];
}

/** Every page of the plan, in order (one activity per 2,000 steps; each page is a small payload). */
export async function loadPlan(pipeline: PipelineRef): Promise<LoadedPlan> {
  const first = await engineLocal('plan the DAG').planPage({ pipeline, offset: 0 });
  const pages = [first];
  for (let offset = first.steps.length; offset < first.total; offset += pages[pages.length - 1].steps.length) {
    const page = await engineLocal(`plan the DAG (from step ${offset})`).planPage({ pipeline, offset });
    if (page.steps.length === 0) throw new Error(`plan page at ${offset} of ${first.total} is empty`);
    pages.push(page);
  }
  return { steps: expandPages(pages), parallel: first.parallel };
}

/** The planned steps again, from the pages in order (a user step's config is left empty: its activity reads it). */
export function expandPages(pages: PlanPage[]): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const page of pages) {
    for (const c of page.steps) {
      const policy = page.policies[c.p];
      out.push({
        id: c.id, uses: c.uses, builtin: c.b !== undefined, needs: (c.n ?? []).map((k) => out[k].id),
        inputs: Object.fromEntries(Object.entries(c.i ?? {}).map(([kind, k]) => [kind, out[k as number].id])),
        produces: c.b?.produces ?? [], cache: policy.cache, retry: policy.retry, timeoutSeconds: policy.timeoutSeconds,
        heartbeatSeconds: policy.heartbeatSeconds, taskQueue: policy.taskQueue, config: c.b?.config ?? {}, ...(policy.local ? { local: true } : {}),
      });
    }
  }
  return out;
}
