// The optional sections of a definition each built-in step needs: the check that names a missing one, and the narrowing its readers use.
import { PipelineError, type PipelineDefinition } from '../config/pipeline.js';
import type { StepDescriptor } from './catalog.js';

/** Sections a definition may leave out when no step of its DAG reads them. */
export type OptionalSection = 'data' | 'target' | 'features' | 'search';

/** A definition known to have the sections K. */
export type WithSections<K extends OptionalSection> = PipelineDefinition & { [P in K]-?: NonNullable<PipelineDefinition[P]> };

/** What learning reads: the target, the features and how to search. */
export const ML_SECTIONS = ['target', 'features', 'search'] as const satisfies readonly OptionalSection[];
export type MlPipeline = WithSections<(typeof ML_SECTIONS)[number]>;

/**
 * What a built-in needs that a definition may leave out: the optional sections among those it reads (its descriptor's
 * `sections`, which also key its cache), and `data` when it reads the run's source. `gate` and `rollout` stay optional
 * for the steps that read them: without a gate nothing is blessed; without a rollout section a later version is
 * registered, never served (fail closed). A user step needs none of them.
 */
export function sectionsNeeded(d: Pick<StepDescriptor, 'builtin' | 'sections' | 'readsSource'>): OptionalSection[] {
  if (!d.builtin) return [];
  const read = new Set<string>(d.sections ?? []);
  return [...(d.readsSource ? (['data'] as const) : []), ...ML_SECTIONS.filter((s) => read.has(s))];
}

/** The sections of `wanted` the definition does not declare. */
export function missingSections(def: PipelineDefinition, wanted: readonly OptionalSection[]): OptionalSection[] {
  return wanted.filter((s) => def[s] === undefined);
}

/** `"search"` or `"target", "features" and "search"`. */
export function sectionList(sections: readonly string[]): string {
  const quoted = sections.map((s) => `"${s}"`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}` : (quoted[0] ?? '');
}

/** The definition, narrowed to one with `wanted`; a PipelineError names `who`, the pipeline and what is missing. */
export function requireSections<K extends OptionalSection>(def: PipelineDefinition, wanted: readonly K[], who: string): WithSections<K> {
  const missing = missingSections(def, wanted);
  if (missing.length > 0) throw new PipelineError(`${who} needs ${sectionList(missing)}, which pipeline ${def.name} does not declare`);
  return def as WithSections<K>;
}
