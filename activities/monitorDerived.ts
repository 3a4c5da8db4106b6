// Drift of derived features: the champion's fitted transforms (its card) applied by arquero to its training rows and to the window's answers.
import { applyTransforms, derivedColumns, type FittedTransforms } from '../lib/transforms/fit.js';
import { driftExactPrepared, prepareExactReference, type ColumnDriftResult, type DriftSuitePolicy, type ExactReference } from '../lib/stats/driftSuite.js';
import { histogramPair, type HistogramPair } from '../lib/stats/histogram.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { column, type Table } from '../lib/data/table.js';

export interface DerivedDrift {
  /** One result per derived column (role 'derived'), judged as the raw features are, in their own family for the correction. */
  results: ColumnDriftResult[];
  /** Why nothing was measured, or on which answers it was; for the report. */
  note: string;
  histograms: HistogramPair[];
}

/** The ISO form serving reads a date in (lib/onnx/contract.ts): YYYY-MM-DD[THH:MM[:SS]]. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?/;

/** References with their derived columns, prepared once per champion (a worker judges many windows against the same one). */
const prepared = new Map<string, { table: Table; exact: ExactReference }>();

async function preparedOf(
  key: string, reference: () => Promise<Table>, fitted: FittedTransforms, names: { numeric: string[]; categorical: string[] },
): Promise<{ table: Table; exact: ExactReference }> {
  let p = prepared.get(key);
  if (!p) {
    const table = applyTransforms(fitted, await reference());
    p = { table, exact: prepareExactReference(table, names) };
    if (prepared.size >= 2) prepared.delete(prepared.keys().next().value as string); // memory stays two references
    prepared.set(key, p);
  }
  return p;
}

/**
 * The derived columns' drift on the window's answers (their raw inputs, as logged) against `reference`, the champion's
 * training rows (read once per champion). `fitted` is the champion's (card.transforms.fitted); a champion without
 * transforms, or packaged before the card kept them, gets none.
 */
export async function measureDerivedDrift(
  key: string, reference: () => Promise<Table>, inputs: readonly Record<string, unknown>[], fitted: FittedTransforms | undefined, policy: DriftSuitePolicy,
): Promise<DerivedDrift> {
  const none = { results: [], note: '', histograms: [] };
  if (!fitted) return none;
  const outputs = derivedColumns(fitted);
  if (outputs.length === 0) return none;
  const names = { numeric: outputs.filter((o) => o.type !== 'string').map((o) => o.name), categorical: outputs.filter((o) => o.type === 'string').map((o) => o.name) };
  const ref = await preparedOf(key, reference, fitted, names);
  // The raw inputs are read as the training data has them (a date's text as a date); a value that does not fit names its row.
  const kinds = Object.fromEntries(ref.table.columns.filter((c) => fitted.inputs.some((i) => i.name === c.name)).map((c) => [c.name, c.kind]));
  // A date the graph cannot read gives NaN parts when served: here it is missing, rather than an error for the window.
  const isDate = new Set(fitted.inputs.filter((i) => kinds[i.name] === 'date').map((i) => i.name));
  const value = (name: string, v: unknown): unknown => (isDate.has(name) && (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) ? null : (v ?? null));
  const raw = inputs.map((row) => Object.fromEntries(fitted.inputs.map((i) => [i.name, value(i.name, row[i.name])])));
  const current = applyTransforms(fitted, tableFromObjects(raw, 'the window\'s answers (raw inputs of the transforms)', { kinds }));
  const suite = driftExactPrepared(ref.exact, current, policy);
  const results = suite.features.map((r): ColumnDriftResult => ({ ...r, role: 'derived' }));
  const histograms = outputs.map((o) => histogramPair(o.name, column(ref.table, o.name), column(current, o.name)));
  return { results, histograms, note: `derived features computed with the champion's transforms (${fitted.engine}) on ${inputs.length} answers and on its training rows` };
}
