// `mlcycle run P --plan`: the DAG and, step by step, whether a recorded result would be reused or the step would run.
import type { PipelineInput } from '../lib/config/pipeline.js';
import { definitionVersion } from '../lib/store/definitions.js';
import { lookupStep } from '../lib/store/stepCache.js';
import { stepInputs, type StepOutputs } from '../contracts/steps.js';
import { checkPipeline, sourceOf, type MlcycleConnection, type StartRunOptions } from './client.js';

export interface PlanLine {
  id: string;
  uses: string;
  needs: string[];
  /** Input port → the step that supplies it. */
  inputs: Record<string, string>;
  decision: 'reuse' | 'run';
  why: string;
  cacheKey: string | null;
}

export async function previewRun(conn: MlcycleConnection, definition: PipelineInput, o: StartRunOptions = {}): Promise<{ pipeline: string; version: string; lines: PlanLine[] }> {
  const { pipeline, checked } = await checkPipeline(definition);
  const { source, digest } = await sourceOf(pipeline, o.dataPath);
  const known = new Map<string, StepOutputs>();
  const lines: PlanLine[] = [];
  for (const step of checked.plan.steps) {
    const line = { id: step.id, uses: step.uses, needs: step.needs, inputs: step.inputs as Record<string, string>, cacheKey: null };
    const unknown = Object.values(step.inputs).filter((from) => !known.has(from as string));
    if (unknown.length > 0) {
      lines.push({ ...line, decision: 'run', why: `its inputs are known once ${[...new Set(unknown)].join(', ')} ran` });
      continue;
    }
    const inputs = stepInputs(step, known);
    const descriptor = checked.catalog.get(step.uses);
    if (!descriptor) throw new Error(`step ${step.id}: "${step.uses}" vanished from the catalog`);
    const lookup = await lookupStep(
      conn.db,
      { def: pipeline, descriptor, step, inputs, source, sourceDigest: digest },
      { reuse: !o.noCache },
    );
    if (lookup.recorded) {
      known.set(step.id, lookup.recorded.outputs);
      lines.push({ ...line, cacheKey: lookup.cacheKey, decision: 'reuse', why: `recorded by ${lookup.recorded.runId}` });
    } else {
      const why = !step.cache ? 'cache off (side effects)' : !lookup.cacheable ? 'its source is known only once read' : o.noCache ? '--no-cache' : 'no recorded result for its key';
      lines.push({ ...line, cacheKey: lookup.cacheKey, decision: 'run', why });
    }
  }
  return { pipeline: pipeline.name, version: definitionVersion(pipeline, checked.moduleHashes), lines };
}

export function formatPlan(p: { pipeline: string; version: string; lines: PlanLine[] }): string {
  const width = Math.max(...p.lines.map((l) => l.id.length), 4);
  const out = [`${p.pipeline}@${p.version}: ${p.lines.length} steps, ${p.lines.filter((l) => l.decision === 'reuse').length} reused`];
  for (const l of p.lines) {
    const inputs = Object.entries(l.inputs).map(([kind, from]) => `${kind}←${from}`).join(' ');
    const mark = l.decision === 'reuse' ? '↺ reuse' : '▶ run  ';
    out.push(`  ${l.id.padEnd(width)}  ${mark}  ${`(${l.uses})`.padEnd(12)} ${l.needs.length ? `needs ${l.needs.join(', ')}` : 'first'}${inputs ? `; ${inputs}` : ''} — ${l.why}`);
  }
  return out.join('\n');
}
