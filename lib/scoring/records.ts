// A request record as scoring takes it, and a neutral warm-up row for a model's inputs.
import type { InputField } from '../report/modelCard.js';

/** A request record as the service receives it: values are checked by checkInstance before they get here. */
export type InstanceRecord = Record<string, unknown>;

/** One neutral row (0 for numbers, "" for categories), used to warm a model up. */
export function warmUpRow(inputs: readonly InputField[]): InstanceRecord {
  const row: InstanceRecord = {};
  for (const input of inputs) row[input.name] = input.kind === 'numeric' ? 0 : '';
  return row;
}
