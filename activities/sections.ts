// A stored definition narrowed to the sections an activity reads; one without them fails BadDefinition, named.
import { PipelineError } from '../lib/config/pipeline.js';
import { requireSections, type OptionalSection, type WithSections } from '../lib/steps/sections.js';
import { failure } from '../contracts/failures.js';
import type { PipelineRef } from '../contracts/steps.js';
import { definitionOf } from './definitions.js';
import type { ActivityDeps } from './deps.js';

/** The definition of `ref` with `wanted`, or BadDefinition (never retried): "<who> needs "search", which pipeline p does not declare". */
export async function definitionWith<K extends OptionalSection>(deps: ActivityDeps, ref: PipelineRef, wanted: readonly K[], who: string): Promise<WithSections<K>> {
  const def = await definitionOf(deps, ref);
  try {
    return requireSections(def, wanted, who);
  } catch (err) {
    if (err instanceof PipelineError) throw failure('BadDefinition', `${err.message} (definition ${ref.name}@${ref.version})`);
    throw err;
  }
}
