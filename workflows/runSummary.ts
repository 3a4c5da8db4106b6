// What a lifecycle run shows and returns besides its steps: the memo the Web UI lists, and the built-in outputs of its result.
import type { StepOutputs, StepRecord } from '../contracts/steps.js';
import type { LifecycleInput, LifecycleResult } from '../contracts/types.js';

/** What the Web UI and `temporal workflow describe` show as the run's memo: the pipeline, its definition version, its data. */
export function runMemo(input: LifecycleInput): Record<string, string> {
  const s = input.source;
  const source = s.kind === 'file' ? s.path : s.kind === 'postgres' ? `a Postgres query (${s.query.slice(0, 80)})` : s.kind === 'feedback' ? `labelled traffic of ${s.modelName}` : 'none';
  return {
    pipeline: input.pipeline.name, definition: `${input.pipeline.name}@${input.pipeline.version}`, dataVersion: input.dataVersion, source,
    ...(input.repair ? { repairOf: input.repair.of } : {}),
  };
}

/** The built-in outputs of the result: the last step of each built-in kind that produced them. */
export function summarize(input: LifecycleInput, steps: StepRecord[], outputs: Map<string, StepOutputs>): LifecycleResult {
  const last = <K extends keyof StepOutputs>(uses: string, kind: K): StepOutputs[K] | undefined =>
    steps.filter((s) => s.uses === uses).map((s) => outputs.get(s.id)?.[kind]).filter((v) => v !== undefined).at(-1);
  const candidate = last('optimize', 'candidate');
  return {
    pipeline: input.pipeline, steps, outputs: Object.fromEntries(outputs),
    dataset: last('ingest', 'dataset') ?? null, validation: last('validate', 'validation') ?? null,
    trials: candidate?.trials ?? [], bestTrial: candidate?.bestTrial ?? null, candidate: candidate?.candidate ?? null,
    model: last('package', 'model') ?? null, deployment: last('rollout', 'deployment') ?? null,
  };
}
