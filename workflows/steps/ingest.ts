// The built-in `ingest` step: reads the run's source into a content-addressed, profiled snapshot.
import type { StepOutputs } from '../../contracts/steps.js';
import type { LifecycleInput } from '../../contracts/types.js';
import { stepActivities } from '../policies.js';
import type { StepRun } from './run.js';

function describeSource(source: LifecycleInput['source']): string {
  if (source.kind === 'file') return source.path;
  if (source.kind === 'postgres') return `a Postgres query (${source.query.slice(0, 60)})`;
  if (source.kind === 'none') return 'no data (the pipeline declares none)';
  return `labelled traffic of ${source.modelName}`;
}

export async function runIngest(r: StepRun): Promise<StepOutputs> {
  const { input, step } = r;
  r.report(`reading ${describeSource(input.source)}`);
  const dataset = await stepActivities(step, step.id).ingestDataset({ pipeline: input.pipeline.name, source: input.source, definition: input.pipeline });
  return { dataset, summary: `${dataset.rows} rows, ${dataset.columns.length} columns from ${dataset.source}` };
}
