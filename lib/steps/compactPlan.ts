// A run's plan as the workflow holds it: steps by index, needs and inputs as indices, policies deduplicated, in pages.
import { DEFAULT_MAX_PARALLEL, type ParallelLimits, type RetryPolicyDefinition } from '../config/steps.js';
import type { RunPlan } from './plan.js';
import type { PortKind } from './refs.js';

/** The policies a step's activities run under; steps share them by index. */
export interface StepPolicy {
  retry: RetryPolicyDefinition;
  timeoutSeconds: number;
  heartbeatSeconds: number;
  taskQueue: string | null;
  cache: boolean;
  local?: boolean;
}

/** One step on the wire: a user step's `with` stays in the stored definition (its activity reads it there). */
export interface CompactStep {
  id: string;
  uses: string;
  /** Indices of the steps it needs (all earlier in the plan). */
  n?: number[];
  /** Policy index. */
  p: number;
  /** Input port → index of the supplying step. */
  i?: Partial<Record<PortKind, number>>;
  /** Built-in: its parsed `with` and its outputs' kinds. */
  b?: { config: Record<string, unknown>; produces: PortKind[] };
}

export interface PlanPage {
  total: number;
  parallel: ParallelLimits;
  offset: number;
  policies: StepPolicy[];
  steps: CompactStep[];
}

/** Steps per page: a page of a chain of user steps is about 100 KB, well under Temporal's payload warning. */
export const PLAN_PAGE = 2000;

/** One page of the plan (the whole plan is immutable per definition version, so pages never disagree). */
export function planPage(plan: RunPlan, offset: number, limit = PLAN_PAGE): PlanPage {
  const index = new Map(plan.steps.map((s, k) => [s.id, k]));
  const policies: StepPolicy[] = [];
  const seen = new Map<string, number>();
  const steps = plan.steps.slice(offset, offset + limit).map((s): CompactStep => {
    const policy: StepPolicy = { retry: s.retry, timeoutSeconds: s.timeoutSeconds, heartbeatSeconds: s.heartbeatSeconds, taskQueue: s.taskQueue, cache: s.cache, ...(s.local ? { local: true } : {}) };
    const key = JSON.stringify(policy);
    let p = seen.get(key);
    if (p === undefined) {
      p = policies.push(policy) - 1;
      seen.set(key, p);
    }
    const c: CompactStep = { id: s.id, uses: s.uses, p };
    if (s.needs.length) c.n = s.needs.map((n) => index.get(n) as number);
    const inputs = Object.entries(s.inputs);
    if (inputs.length) c.i = Object.fromEntries(inputs.map(([kind, from]) => [kind, index.get(from as string) as number]));
    if (s.builtin) c.b = { config: s.config, produces: s.produces };
    return c;
  });
  return { total: plan.steps.length, parallel: plan.parallel ?? { max: DEFAULT_MAX_PARALLEL, perUses: {} }, offset, policies, steps };
}
