// The steps a pipeline can use: the built-in lifecycle steps and the ones its modules export, under one descriptor.
import { z } from 'zod';
import { approvalSchema } from '../config/approval.js';
import type { UserStep } from './define.js';
import type { PortKind } from './refs.js';

export interface StepDescriptor {
  name: string;
  description: string;
  builtin: boolean;
  consumes: PortKind[];
  produces: PortKind[];
  /** Reuse recorded results by default (false for steps with side effects). */
  cache: boolean;
  /** The code version in the cache key: a built-in's own version, a user step's `version` or its module's hash. */
  codeVersion: string;
  config: z.ZodType;
  timeoutSeconds: number;
  heartbeatSeconds: number;
  /** The module (absolute path) a user step comes from. */
  module?: string;
  /** A user step's definition (absent for built-ins, which are run by their activities). */
  step?: UserStep;
}

const noConfig = z.object({}).strict();

function builtin(name: string, description: string, consumes: PortKind[], produces: PortKind[], o: Partial<StepDescriptor> = {}): StepDescriptor {
  return {
    name, description, builtin: true, consumes, produces, cache: true, codeVersion: `${name}@1`, config: noConfig,
    timeoutSeconds: 1800, heartbeatSeconds: 60, ...o,
  };
}

/** Built-in steps read their settings from the pipeline's own sections (data, validation, search, gate, rollout). */
export const BUILTIN_STEPS: readonly StepDescriptor[] = [
  builtin('ingest', "reads the run's source into a content-addressed, profiled snapshot", [], ['dataset']),
  builtin('validate', 'checks the data against the pinned schema, expectations and skew; fails closed; may quarantine rows', ['dataset'], ['validation', 'dataset']),
  builtin('optimize', 'searches algorithms × hyperparameters × features by CV trials, trains the winner, gates it against the champion', ['dataset'], ['candidate'], {
    timeoutSeconds: 3600,
  }),
  builtin('package', 'exports ONNX with preprocessing, checks parity, writes the model card, registers a version', ['candidate'], ['model']),
  builtin('rollout', 'serves a blessed version: the first as champion, a later one through a rollout (shadow → canary → A/B) that guardrails and a sequential test decide', ['model'], ['deployment'], {
    cache: false,
    timeoutSeconds: 300,
  }),
  // Hands its model on once approved, so a rollout after it (`needs: [approval]`) serves only an approved version.
  builtin('approval', 'waits for a person holding the role it names to approve the model (card, evaluation against the champion, validation report); a rejection or a timeout (reject by default) ends the run as Rejected', ['model'], ['model'], {
    cache: false,
    config: approvalSchema,
    timeoutSeconds: 60,
  }),
];

/** The built-in lifecycle DAG: what a pipeline without `steps` runs. */
export const DEFAULT_STEPS = [
  { id: 'ingest', uses: 'ingest', needs: [] },
  { id: 'validate', uses: 'validate', needs: ['ingest'] },
  { id: 'optimize', uses: 'optimize', needs: ['validate'] },
  { id: 'package', uses: 'package', needs: ['optimize'] },
  { id: 'rollout', uses: 'rollout', needs: ['package'] },
] as const;

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
