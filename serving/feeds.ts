// Request records against a model's inputs: the per-instance check, and a neutral warm-up row.
import type { InputField } from '../lib/report/modelCard.js';
import type { InstanceRecord } from '../lib/scoring/records.js';

export type { InstanceRecord } from '../lib/scoring/records.js';
export { warmUpRow } from '../lib/scoring/records.js';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The first problem with one instance against a model's inputs, or null when it is fine.
 * A feature must be present; null means missing. Numeric: a finite number; categorical: a string.
 */
export function checkInstance(instance: InstanceRecord, index: number, inputs: readonly InputField[]): string | null {
  for (const input of inputs) {
    if (!Object.hasOwn(instance, input.name)) return `instances[${index}].${input.name} is missing (send null for an unknown value)`;
    const v = instance[input.name];
    if (v === null) continue;
    if (input.kind === 'numeric') {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `instances[${index}].${input.name} must be a number, got ${describe(v)}`;
    } else if (typeof v !== 'string') {
      return `instances[${index}].${input.name} must be a string, got ${describe(v)}`;
    }
  }
  return null;
}
