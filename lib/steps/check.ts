// Checks a whole definition before anything starts: step modules load, the DAG is sound; one PipelineError lists every mistake.
import { PipelineError, type PipelineDefinition } from '../config/pipeline.js';
import { catalogOf, type StepCatalog } from './catalog.js';
import { loadStepModules } from './loader.js';
import { planRun, type RunPlan } from './plan.js';

export interface CheckedDefinition {
  plan: RunPlan;
  catalog: StepCatalog;
  /** Module path → sha256 of its source. */
  moduleHashes: Record<string, string>;
}

export async function checkDefinition(def: PipelineDefinition, origin = `"${def.name}"`): Promise<CheckedDefinition> {
  const modules = await loadStepModules(def.modules);
  const catalog = catalogOf(modules.steps);
  const { plan, issues } = planRun(def, catalog);
  const all = [...modules.issues, ...issues];
  if (all.length > 0) {
    throw new PipelineError(`pipeline ${origin} is invalid:\n${all.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
  }
  return { plan, catalog, moduleHashes: modules.hashes };
}
