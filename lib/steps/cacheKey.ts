// A step execution's cache key: sha256 over the pipeline, the step's name and code version, its configuration and its inputs' digests.
import { createHash } from 'node:crypto';
import type { PipelineDefinition } from '../config/pipeline.js';
import { piiCacheIdentity } from '../data/piiKey.js';
import type { StepDescriptor } from './catalog.js';
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

/** What a built-in's result depends on besides its inputs: its `with`, the sections it reads, and (ingest) the source. */
export interface BuiltinKeyQuery {
  def: PipelineDefinition;
  descriptor: Pick<StepDescriptor, 'name' | 'sections' | 'readsSource'>;
  with: Record<string, unknown>;
  /** The run's source, and its content digest (null when unknown before reading, e.g. a query). */
  source: unknown;
  sourceDigest: string | null;
}

/**
 * A built-in's "config" in the cache key: each section it declares (absent → null; `pii` as its rules and the hashing
 * key's id, never the key), its `with`, and for a step that reads the source, the source's kind, format and digest.
 */
export function builtinKeyConfig(q: BuiltinKeyQuery): Record<string, unknown> {
  if (!q.descriptor.sections) throw new Error(`built-in step "${q.descriptor.name}" declares no sections: its cache key cannot be computed`);
  const sections: Record<string, unknown> = {};
  for (const name of q.descriptor.sections) sections[name] = name === 'pii' ? (piiCacheIdentity(q.def.pii) ?? null) : (q.def[name] ?? null);
  const config: Record<string, unknown> = { with: q.with, sections };
  if (q.descriptor.readsSource) {
    const source = q.source as { kind: string; format?: string };
    config.source = source.kind === 'file' ? { kind: 'file', format: source.format ?? null, digest: q.sourceDigest } : { source, digest: q.sourceDigest };
  }
  return config;
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
