// Bench helper: the no-op user step module, the DAG shapes (chain, fan, seeded random) and the per-step gaps read from its log.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';
import type { PipelineInput } from '../lib/config/pipeline.js';
import { mulberry32 } from '../lib/train/cv.js';

export type Shape = 'chain' | 'fan' | 'random';
export const SHAPES: readonly Shape[] = ['chain', 'fan', 'random'];

/** A step: its id and the ids it needs. */
export interface Node {
  id: string;
  needs: string[];
}

const stepId = (i: number): string => `s${i}`;

/**
 * chain: step i needs step i-1. fan: one root, n-2 parallel steps needing it, one join needing all of them.
 * random (seeded): step i ≥ 1 needs 1–3 distinct steps drawn uniformly from the earlier ones.
 */
export function dag(shape: Shape, n: number, seed = 20): Node[] {
  if (shape === 'chain') return Array.from({ length: n }, (_, i) => ({ id: stepId(i), needs: i === 0 ? [] : [stepId(i - 1)] }));
  if (shape === 'fan') {
    const middle = Array.from({ length: Math.max(0, n - 2) }, (_, i) => ({ id: stepId(i + 1), needs: [stepId(0)] }));
    return [{ id: stepId(0), needs: [] }, ...middle, { id: stepId(n - 1), needs: middle.map((m) => m.id) }];
  }
  const rand = mulberry32(seed * 7919 + n);
  return Array.from({ length: n }, (_, i) => {
    const needs = new Set<string>();
    const want = i === 0 ? 0 : Math.min(i, 1 + Math.floor(rand() * 3));
    while (needs.size < want) needs.add(stepId(Math.floor(rand() * i)));
    return { id: stepId(i), needs: [...needs] };
  });
}

/** Writes the step module (outside the project, as a user's would be) and returns its path. */
export async function writeNoopModule(dir: string): Promise<string> {
  const path = join(dir, 'noop-steps.ts');
  await writeFile(
    path,
    `import { appendFile } from 'node:fs/promises';
import { defineStep, z } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
// "step" only makes each step's cache key its own (a key hashes pipeline, step name, config and inputs, not the id).
export const noop = defineStep({
  name: 'bench-noop', description: 'appends "<step id> <ms>" to a log and returns a tiny value', produces: ['data'], cache: true,
  config: z.object({ log: z.string(), step: z.string() }),
  async run(ctx, { config }) {
    const at = Date.now();
    await appendFile(config.log, ctx.stepId + ' ' + at + '\\n');
    return { data: { ok: 1 }, summary: 'ok' };
  },
});
`,
  );
  return path;
}

/** The pipeline definition of a DAG of no-op steps, logging their start times to `log`. */
/** `local`: every step declared `local: true` (a local activity in the workflow's worker). */
export function definition(name: string, module: string, nodes: Node[], log: string, local = false, maxParallel = 2000): PipelineInput {
  return {
    name,
    modules: [module],
    steps: nodes.map((s) => ({ id: s.id, uses: 'bench-noop', needs: s.needs, with: { log, step: s.id }, cache: true, ...(local ? { local: true } : {}) })),
    // Up to 2,000 in flight (Temporal's limit of pending activities per run), so a fan is bounded by the engine, not the default 500.
    parallel: { max: maxParallel },
  } as PipelineInput;
}

/** Step id → start time (ms) from a log of "<id> <ms>" lines; an id logged twice keeps its first time. */
export async function readStarts(log: string): Promise<Map<string, number>> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const starts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [id, ms] = line.split(' ');
    if (id && ms && !starts.has(id)) starts.set(id, Number(ms));
  }
  return starts;
}

/**
 * Per-step overhead: for every step with needs, its start minus the latest start among its needs. In a chain these are
 * the differences between consecutive steps' starts; in a fan and a random DAG they include waiting for a free slot.
 */
export function gaps(nodes: Node[], starts: Map<string, number>): number[] {
  const out: number[] = [];
  for (const s of nodes) {
    const t = starts.get(s.id);
    if (t === undefined || s.needs.length === 0) continue;
    const before = Math.max(...s.needs.map((n) => starts.get(n) ?? Number.NaN));
    if (Number.isFinite(before)) out.push(t - before);
  }
  return out;
}

/** The q-quantile (0–1) of a list, nearest rank; NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
