// Checks a pipeline's DAG against the step catalog and plans it: order, inputs per port, policies; every mistake named by path.
import type { PipelineDefinition } from '../config/pipeline.js';
import { DEFAULT_LOCAL_TIMEOUT_SECONDS, DEFAULT_MAX_PARALLEL, type ParallelLimits, type RetryPolicyDefinition } from '../config/steps.js';
import { DEFAULT_STEPS, type StepCatalog } from './catalog.js';
import type { DefinitionIssue } from './loader.js';
import type { PortKind } from './refs.js';
import { missingSections, sectionList, sectionsNeeded } from './sections.js';

export interface PlannedStep {
  id: string;
  uses: string;
  builtin: boolean;
  needs: string[];
  /** For each port the step consumes, the step whose output supplies it. */
  inputs: Partial<Record<PortKind, string>>;
  produces: PortKind[];
  cache: boolean;
  retry: RetryPolicyDefinition;
  timeoutSeconds: number;
  heartbeatSeconds: number;
  /** Null → the worker's default queue (trials: the training queue). */
  taskQueue: string | null;
  /** A user step run as a local activity (absent in plans made before it existed: false). */
  local?: boolean;
  /** The step's `with`, as its schema parsed it (defaults filled in). */
  config: Record<string, unknown>;
}

export interface RunPlan {
  /** Topological order; among steps ready together, the order of the definition. */
  steps: PlannedStep[];
  /** Steps in flight at once (absent in plans made before the limits existed: the defaults). */
  parallel?: ParallelLimits;
}

export const DEFAULT_RETRY: RetryPolicyDefinition = { maximumAttempts: 3, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 30 };

/** The first cycle among the steps, as ids in order with the first repeated at the end; null when acyclic (iterative: chains of 10,000). */
function findCycle(needs: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  for (const root of needs.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 'open');
    while (path.length > 0) {
      const id = path[path.length - 1];
      const ns = needs.get(id) ?? [];
      const i = next[next.length - 1]++;
      if (i >= ns.length) {
        state.set(id, 'done');
        path.pop();
        next.pop();
        continue;
      }
      const n = ns[i];
      if (!needs.has(n) || state.get(n) === 'done') continue;
      if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n].reverse();
      state.set(n, 'open');
      path.push(n);
      next.push(0);
    }
  }
  return null;
}

/** The nearest upstream producers of a port: direct needs first, then their needs, level by level. */
function producersOf(kind: PortKind, id: string, needs: Map<string, string[]>, produces: Map<string, PortKind[]>): string[] {
  const seen = new Set<string>();
  let level = needs.get(id) ?? [];
  while (level.length > 0) {
    const found = level.filter((n) => produces.get(n)?.includes(kind));
    if (found.length > 0) return found;
    for (const n of level) seen.add(n);
    level = [...new Set(level.flatMap((n) => needs.get(n) ?? []))].filter((n) => !seen.has(n));
  }
  return [];
}

/** Plans the DAG; `issues` lists every mistake (the plan is only usable when it is empty). */
export function planRun(def: PipelineDefinition, catalog: StepCatalog): { plan: RunPlan; issues: DefinitionIssue[] } {
  const entries = def.steps ?? DEFAULT_STEPS.map((s) => ({ ...s, needs: [...s.needs], with: {} }));
  const issues: DefinitionIssue[] = [];
  const needs = new Map<string, string[]>();
  const produces = new Map<string, PortKind[]>();
  const indexOf = new Map<string, number>();
  entries.forEach((s, i) => {
    if (indexOf.has(s.id)) issues.push({ path: `steps.${i}.id`, message: `"${s.id}" is already the id of steps.${indexOf.get(s.id)}` });
    else indexOf.set(s.id, i);
  });
  const planned: PlannedStep[] = [];
  entries.forEach((s, i) => {
    const d = catalog.get(s.uses);
    if (!d) {
      const known = [...catalog.keys()].join(', ');
      const renamed = s.uses === 'deploy' ? '; the built-in "deploy" is now "rollout" (shadow → canary → A/B, decided by a sequential test)' : '';
      issues.push({ path: `steps.${i}.uses`, message: `unknown step "${s.uses}" (available: ${known}${def.modules.length ? '' : '; user steps need "modules"'}${renamed})` });
    }
    s.needs.forEach((n, j) => {
      if (!indexOf.has(n)) issues.push({ path: `steps.${i}.needs.${j}`, message: `no step has the id "${n}"` });
      else if (n === s.id) issues.push({ path: `steps.${i}.needs.${j}`, message: `a step cannot need itself` });
    });
    if (indexOf.get(s.id) !== i) return;
    needs.set(s.id, [...new Set(s.needs)]);
    produces.set(s.id, d?.produces ?? []);
    if (!d) return;
    const missing = missingSections(def, sectionsNeeded(d));
    if (missing.length > 0) {
      // The built-in lifecycle (no `steps`) names the section; a DAG names the step that needs it.
      if (def.steps) issues.push({ path: `steps.${i}`, message: `"${s.id}"${s.id === s.uses ? '' : ` (${s.uses})`} needs ${sectionList(missing)}, which this pipeline does not declare` });
      else for (const section of missing.filter((m) => !issues.some((x) => x.path === m))) issues.push({ path: section, message: `is needed by the built-in lifecycle's "${s.uses}" step (give "steps" to run a DAG without it)` });
    }
    const config = d.config.safeParse(s.with ?? {});
    if (!config.success) {
      for (const issue of config.error.issues) {
        issues.push({ path: ['steps', i, 'with', ...issue.path.map(String)].join('.'), message: issue.message });
      }
    }
    const entry = s as { retry?: RetryPolicyDefinition; timeoutSeconds?: number; cache?: boolean; taskQueue?: string; local?: boolean };
    const local = entry.local === true;
    if (local && d.builtin) issues.push({ path: `steps.${i}.local`, message: `"${s.id}" is the built-in "${s.uses}", which schedules its own activities: only user steps run local` });
    const timeoutSeconds = entry.timeoutSeconds ?? (local ? Math.min(d.timeoutSeconds, DEFAULT_LOCAL_TIMEOUT_SECONDS) : d.timeoutSeconds);
    planned.push({
      id: s.id, uses: s.uses, builtin: d.builtin, needs: [...new Set(s.needs)], inputs: {}, produces: d.produces,
      cache: entry.cache ?? d.cache, retry: entry.retry ?? DEFAULT_RETRY, timeoutSeconds,
      heartbeatSeconds: Math.min(d.heartbeatSeconds, entry.timeoutSeconds ?? d.heartbeatSeconds), taskQueue: entry.taskQueue ?? null,
      ...(local ? { local: true } : {}),
      config: config.success ? (config.data as Record<string, unknown>) : {},
    });
  });
  for (const uses of Object.keys(def.parallel?.perUses ?? {})) {
    if (!entries.some((s) => s.uses === uses)) issues.push({ path: `parallel.perUses.${uses}`, message: `no step of this pipeline uses "${uses}"` });
  }
  const cycle = findCycle(needs);
  if (cycle) issues.push({ path: 'steps', message: `the steps form a cycle: ${cycle.join(' → ')}` });
  if (issues.length > 0) return { plan: { steps: [] }, issues };

  for (const p of planned) {
    const d = catalog.get(p.uses);
    for (const kind of d?.consumes ?? []) {
      const from = producersOf(kind, p.id, needs, produces);
      const where = `steps.${indexOf.get(p.id)}`;
      if (from.length === 0) issues.push({ path: where, message: `"${p.id}" takes a "${kind}" input, but no step it needs (directly or through others) produces one` });
      else if (from.length > 1) issues.push({ path: `${where}.needs`, message: `"${p.id}" could take its "${kind}" input from ${from.map((f) => `"${f}"`).join(' or ')}: need only one of them` });
      else p.inputs[kind] = from[0];
    }
  }
  const parallel = { max: def.parallel?.max ?? DEFAULT_MAX_PARALLEL, perUses: def.parallel?.perUses ?? {} };
  return { plan: { steps: topological(planned), parallel }, issues };
}

/** Kahn's order, stable: among ready steps, the one declared first goes first (a heap of declaration indices). */
function topological(steps: PlannedStep[]): PlannedStep[] {
  const index = new Map(steps.map((s, k) => [s.id, k]));
  const dependents: number[][] = steps.map(() => []);
  const waiting = steps.map((s, k) => {
    for (const n of s.needs) dependents[index.get(n) as number].push(k);
    return s.needs.length;
  });
  const heap = new MinHeap();
  steps.forEach((_, k) => waiting[k] === 0 && heap.push(k));
  const order: PlannedStep[] = [];
  for (let k = heap.pop(); k !== undefined; k = heap.pop()) {
    order.push(steps[k]);
    for (const d of dependents[k]) if (--waiting[d] === 0) heap.push(d);
  }
  if (order.length < steps.length) throw new Error('topological: cycle (planRun checks this first)');
  return order;
}

class MinHeap {
  private readonly items: number[] = [];
  push(v: number): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
