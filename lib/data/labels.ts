// A regression label as a number: the text a client sends as feedback, read strictly.
import { parseNumberText } from './textValues.js';

/** A regression label's number: decimal text (surrounding spaces allowed) that is finite, else null. */
export function numericLabel(label: string): number | null {
  const value = parseNumberText(label);
  return value !== undefined && Number.isFinite(value) ? value : null;
}
