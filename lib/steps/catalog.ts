// The steps a pipeline can use: the built-in lifecycle steps and the ones its modules export, under one descriptor.
import { z } from 'zod';
import { approvalSchema } from '../config/approval.js';
import type { PipelineDefinition } from '../config/pipeline.js';
import { builtinCodeVersion } from './codeVersion.js';
import type { UserStep } from './define.js';
import type { PortKind } from './refs.js';

/** A top-level section of a pipeline definition (a built-in step's settings come from these). */
export type PipelineSection = keyof PipelineDefinition;

export interface StepDescriptor {
  name: string;
  description: string;
  builtin: boolean;
  consumes: PortKind[];
  produces: PortKind[];
  /** Reuse recorded results by default (false for steps with side effects). */
  cache: boolean;
  /** The code version in the cache key: a built-in's module-graph hash, a user step's `version` or its module's hash. */
  codeVersion: string;
  config: z.ZodType;
  timeoutSeconds: number;
  heartbeatSeconds: number;
  /** The module (absolute path) a user step comes from. */
  module?: string;
  /** A user step's definition (absent for built-ins, which are run by their activities). */
  step?: UserStep;
  /** A built-in's pipeline sections it reads: their values are part of its cache key. */
  sections?: readonly PipelineSection[];
  /** A built-in that reads the run's source (ingest): the source and its content digest are part of its cache key. */
  readsSource?: boolean;
  /** A built-in's implementing files (roots of the module graph its code version hashes), relative to the checkout. */
  implementedBy?: readonly string[];
  /** State outside its inputs a built-in's recorded result depends on (lib/store/stepCache.ts checks it before a reuse). */
  validWhile?: ResultValidity;
}

/** pinnedSchema: the schema it checked against is still the pinned one; champion: the champion it was gated against still serves. */
export type ResultValidity = 'pinnedSchema' | 'champion';

/** The built-in steps: a union, so that the descriptors here and the runners in workflows/builtins.ts must each name all of them. */
export type BuiltinStepName = 'ingest' | 'validate' | 'optimize' | 'package' | 'rollout' | 'approval';

interface BuiltinSpec {
  description: string;
  consumes: PortKind[];
  produces: PortKind[];
  sections: readonly PipelineSection[];
  /** Its runner (workflows/steps/<name>.ts) and the activity modules it calls, as their threads' entry files. */
  implementedBy: readonly string[];
  readsSource?: boolean;
  validWhile?: ResultValidity;
  cache?: boolean;
  config?: z.ZodType;
  timeoutSeconds?: number;
}

/**
 * Built-in steps read their settings from the pipeline's own sections, named here from what their activities read (a
 * section's whole value is keyed, so a field read later cannot be missed); `name` is in every key already.
 */
const BUILTIN_SPECS = {
  ingest: {
    description: "reads the run's source into a content-addressed, profiled snapshot", consumes: [], produces: ['dataset'],
    sections: ['pii'], readsSource: true, implementedBy: ['workflows/steps/ingest.ts', 'activities/ingest.ts'],
  },
  validate: {
    description: 'checks the data against the pinned schema, expectations and skew; fails closed; may quarantine rows', consumes: ['dataset'], produces: ['validation', 'dataset'],
    sections: ['task', 'target', 'features', 'validation'], implementedBy: ['workflows/steps/validate.ts', 'activities/validate.ts', 'activities/validationTask.ts'],
    validWhile: 'pinnedSchema',
  },
  optimize: {
    description: 'searches algorithms × hyperparameters × features by CV trials, trains the winner, gates it against the champion', consumes: ['dataset'], produces: ['candidate'],
    sections: ['task', 'target', 'features', 'transforms', 'search', 'gate'], implementedBy: ['workflows/steps/optimize.ts', 'activities/optimize.ts', 'activities/trainingWorker.ts'],
    validWhile: 'champion', timeoutSeconds: 3600,
  },
  package: {
    description: 'exports ONNX with preprocessing, checks parity, writes the model card, registers a version', consumes: ['candidate'], produces: ['model'],
    // search: the holdout (fraction, seed); gate: the card's primary metric; description: the card's purpose.
    sections: ['description', 'task', 'target', 'search', 'gate', 'pii'], implementedBy: ['workflows/steps/package.ts', 'activities/package.ts'],
  },
  rollout: {
    description: 'serves a blessed version: the first as champion, a later one through a rollout (shadow → canary → A/B) that guardrails and a sequential test decide',
    consumes: ['model'], produces: ['deployment'],
    sections: ['rollout'], implementedBy: ['workflows/steps/rollout.ts', 'activities/deploy.ts'], cache: false, timeoutSeconds: 300,
  },
  // Hands its model on once approved, so a rollout after it (`needs: [approval]`) serves only an approved version.
  approval: {
    description: 'waits for a person holding the role it names to approve the model (card, evaluation against the champion, validation report); a rejection or a timeout (reject by default) ends the run as Rejected',
    consumes: ['model'], produces: ['model'],
    sections: [], implementedBy: ['workflows/steps/approval.ts', 'activities/approval.ts'], cache: false, config: approvalSchema, timeoutSeconds: 60,
  },
} satisfies Record<BuiltinStepName, BuiltinSpec>;

const noConfig = z.object({}).strict();

function builtin(name: BuiltinStepName, spec: BuiltinSpec): StepDescriptor {
  const { implementedBy } = spec;
  return {
    name, description: spec.description, builtin: true, consumes: spec.consumes, produces: spec.produces, cache: spec.cache ?? true,
    config: spec.config ?? noConfig, timeoutSeconds: spec.timeoutSeconds ?? 1800, heartbeatSeconds: 60,
    sections: spec.sections, readsSource: spec.readsSource ?? false, implementedBy, ...(spec.validWhile ? { validWhile: spec.validWhile } : {}),
    get codeVersion(): string {
      return builtinCodeVersion(name, implementedBy);
    },
  };
}

const NAMES = Object.keys(BUILTIN_SPECS) as BuiltinStepName[];

/** The built-in steps' descriptors by name (the registry workflows/builtins.ts must match). */
export const BUILTIN_DESCRIPTORS: Readonly<Record<BuiltinStepName, StepDescriptor>> = Object.fromEntries(
  NAMES.map((name) => [name, builtin(name, BUILTIN_SPECS[name])]),
) as Record<BuiltinStepName, StepDescriptor>;

/** The built-in steps in their catalog order. */
export const BUILTIN_STEPS: readonly StepDescriptor[] = NAMES.map((name) => BUILTIN_DESCRIPTORS[name]);

/**
 * Computes every built-in's code version now: a worker calls it as it starts, so the versions describe the code it
 * loaded (not files replaced on disk later), and a file that cannot be read stops it at once.
 */
export function computeBuiltinCodeVersions(): Record<BuiltinStepName, string> {
  return Object.fromEntries(BUILTIN_STEPS.map((d) => [d.name, d.codeVersion])) as Record<BuiltinStepName, string>;
}

export function isBuiltinStepName(name: string): name is BuiltinStepName {
  return Object.hasOwn(BUILTIN_SPECS, name);
}

/** The built-in lifecycle DAG: what a pipeline without `steps` runs. */
export const DEFAULT_STEPS = [
  { id: 'ingest', uses: 'ingest', needs: [] },
  { id: 'validate', uses: 'validate', needs: ['ingest'] },
  { id: 'optimize', uses: 'optimize', needs: ['validate'] },
  { id: 'package', uses: 'package', needs: ['optimize'] },
  { id: 'rollout', uses: 'rollout', needs: ['package'] },
] as const satisfies readonly { id: string; uses: BuiltinStepName; needs: readonly string[] }[];

export type StepCatalog = ReadonlyMap<string, StepDescriptor>;

export function catalogOf(userSteps: readonly StepDescriptor[]): StepCatalog {
  return new Map([...BUILTIN_STEPS, ...userSteps].map((s) => [s.name, s]));
}

/** A step's configuration as JSON Schema, for `mlcycle steps`. */
export function configJsonSchema(step: StepDescriptor): unknown {
  try {
    return z.toJSONSchema(step.config, { unrepresentable: 'any' });
  } catch {
    return { description: 'a zod schema that has no JSON Schema form' };
  }
}
