// A step execution's cache key: sha256 over the pipeline, the step's name and code version, its configuration and its inputs' digests.
import { createHash } from 'node:crypto';
import type { StepInputs } from './refs.js';

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What identifies each input: the content hashes the references carry (dataset id, model sha256, candidate model
 * URI), never paths or times that differ between runs of the same content.
 */
export function inputDigests(inputs: StepInputs): Record<string, string> {
  const d: Record<string, string> = {};
  if (inputs.dataset) d.dataset = inputs.dataset.id;
  if (inputs.validation) {
    const v = inputs.validation;
    d.validation = sha256(canonicalJson({ ok: v.ok, schema: v.schemaVersion, training: v.trainingDataset.id, errors: v.errors, warnings: v.warnings }));
  }
  if (inputs.candidate) {
    const c = inputs.candidate;
    d.candidate = sha256(canonicalJson({ model: c.candidate.modelUri, blessed: c.candidate.blessed, dataset: c.dataset.id }));
  }
  if (inputs.model) d.model = `${inputs.model.name}@${inputs.model.version}:${inputs.model.sha256}:${inputs.model.blessed}`;
  if (inputs.deployment !== undefined) d.deployment = sha256(canonicalJson(inputs.deployment));
  if (inputs.data !== undefined) d.data = sha256(canonicalJson(inputs.data));
  return d;
}

export interface CacheKeyParts {
  /** Results are reused within a pipeline: schemas, champions and registered versions are per pipeline. */
  pipeline: string;
  uses: string;
  codeVersion: string;
  config: unknown;
  inputs: Record<string, string>;
}

export function stepCacheKey(parts: CacheKeyParts): string {
  return sha256(canonicalJson({ pipeline: parts.pipeline, step: parts.uses, code: parts.codeVersion, config: parts.config, inputs: parts.inputs }));
}
