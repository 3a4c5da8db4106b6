// A monitor window's drift: from the replicas' aggregates when they cover the window, else exactly on its newest rows.
import { columnTypes } from '../lib/transforms/fit.js';
import { rawFeatures } from '../lib/transforms/plan.js';
import { buildDriftProfile, type DriftProfile, type NumericDriftColumn, type CategoricalDriftColumn } from '../lib/stats/driftProfile.js';
import { driftExactPrepared, driftFromAggregates, prepareExactReference, type ColumnDriftResult, type DriftSuitePolicy, type DriftSuiteResult, type ExactReference } from '../lib/stats/driftSuite.js';
import { AggregateBuilder, mergeInto, type WindowAggregate } from '../lib/stats/windowAggregate.js';
import { groupCounts } from '../lib/stats/driftCells.js';
import { histogramPair, type HistogramPair } from '../lib/stats/histogram.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { column, type Column, type Table } from '../lib/data/table.js';
import { DataError } from '../lib/data/errors.js';
import { forEachAggregate, getDriftProfile, saveDriftProfile } from '../lib/store/windowAggregates.js';
import { loggedRequests } from '../lib/store/predictions.js';
import type { DatasetRow } from '../lib/store/datasets.js';
import type { WithSections } from '../lib/steps/sections.js';

/** The monitor reads the definition's target and features. */
type PipelineDefinition = WithSections<'target' | 'features'>;
import { PREDICTION_COLUMN } from '../lib/stats/predictionColumn.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';
import { measureDerivedDrift } from './monitorDerived.js';
import type { FittedTransforms } from '../lib/transforms/fit.js';

/** Windows up to this many rows are judged exactly (monitor.drift.exactRows); larger ones from aggregates (or, without them, on their newest rows). */
export const EXACT_WINDOW_ROWS = 20_000;
/** Aggregates must count at least this share of the window's rows to stand for it. */
const AGGREGATE_COVERAGE = 0.9;

export interface WindowDrift {
  /** The champion's profile the window was compared with. */
  profile: DriftProfile;
  suite: DriftSuiteResult;
  /** How the window was measured, in a sentence for the report. */
  basis: string;
  histograms: HistogramPair[];
}

/** The features drift compares: with transforms, the raw columns requests carry in place of the derived ones (lib/transforms). */
const featuresOf = (p: PipelineDefinition, table: Table) => rawFeatures(p.transforms ?? [], p.features, columnTypes(table));

/** The reference's target under the prediction column's name: the window's answers are compared with the labels the champion learned. */
function predictionReference(reference: Table, target: string): Column[] {
  const t = reference.columns.find((c) => c.name === target);
  return t ? [{ ...t, name: PREDICTION_COLUMN } as Column] : [];
}

/** The champion's drift profile: read, or made once from its training data and stored (the replicas then count on it). */
async function profileOf(deps: ActivityDeps, pipeline: PipelineDefinition, championVersion: number, dataset: DatasetRow, reference?: Table): Promise<DriftProfile> {
  const stored = await getDriftProfile<DriftProfile>(deps.db, pipeline.name, championVersion);
  if (stored) return stored.profile;
  const table = reference ?? (await loadSnapshot(deps.artifacts, dataset.uri));
  const profile = buildDriftProfile(table, featuresOf(pipeline, table), { columns: predictionReference(table, pipeline.target) });
  await saveDriftProfile(deps.db, { modelName: pipeline.name, modelVersion: championVersion, datasetId: dataset.id, profile });
  return profile;
}

interface Reference {
  table: Table;
  prepared: ExactReference;
}

/** References read and sorted once per champion's data and features (a worker judges many windows against the same one). */
const references = new Map<string, Reference>();

const referenceKey = (dataset: DatasetRow, pipeline: PipelineDefinition): string => JSON.stringify([dataset.id, pipeline.features, pipeline.transforms ?? [], pipeline.target]);

async function referenceOf(deps: ActivityDeps, dataset: DatasetRow, pipeline: PipelineDefinition): Promise<Reference> {
  const key = referenceKey(dataset, pipeline);
  let r = references.get(key);
  if (!r) {
    const table = await loadSnapshot(deps.artifacts, dataset.uri);
    r = { table, prepared: prepareExactReference(table, featuresOf(pipeline, table), predictionReference(table, pipeline.target)) };
    if (references.size >= 2) references.delete(references.keys().next().value as string); // the oldest: memory stays two references
    references.set(key, r);
  }
  return r;
}

/** Reference vs current shares on the profile's coarse groups (numeric) or categories (categorical), for the report. */
function histogramFromCells(p: NumericDriftColumn | CategoricalDriftColumn, a: WindowAggregate): HistogramPair {
  const shares = (xs: number[]) => {
    const total = xs.reduce((s, x) => s + x, 0);
    return xs.map((x) => (total ? x / total : 0));
  };
  if (p.kind === 'categorical') {
    const cur = a.categorical[p.name];
    const fresh = Object.entries(cur.newCategories);
    const bins = [...p.categories, '(other)', ...fresh.map(([k]) => `${k} (new)`)];
    return { feature: p.name, bins, reference: shares([...p.counts, p.other, ...fresh.map(() => 0)]), current: shares([...cur.counts, cur.other, ...fresh.map(([, n]) => n)]) };
  }
  const cur = a.numeric[p.name];
  const ref = groupCounts(p.counts, p.groups);
  const now = groupCounts(cur.counts, p.groups);
  const edgeOf = (cell: number) => p.edges[Math.min(p.edges.length - 1, Math.floor(cell / 2))];
  const bins = p.groups.map((start, g) => {
    const end = g + 1 < p.groups.length ? p.groups[g + 1] : p.counts.length;
    return `${Number(edgeOf(start).toPrecision(3))}–${Number(edgeOf(end - 1).toPrecision(3))}`;
  });
  return { feature: p.name, bins, reference: shares(ref), current: shares(now) };
}

/**
 * Drift of a window (prediction ids from < id ≤ to, `rows` non-shadow answers; aggregates aggFrom < id ≤ aggTo).
 * Memory is bounded by the reference and EXACT_WINDOW_ROWS, whatever the traffic.
 */
export async function measureWindowDrift(
  deps: ActivityDeps, pipeline: PipelineDefinition, champion: { version: number; transforms?: FittedTransforms }, dataset: DatasetRow,
  w: { from: number; to: number; rows: number; aggFrom: number; aggTo: number }, policy: DriftSuitePolicy,
): Promise<WindowDrift> {
  const { requests: read, ...raw } = await measureRawDrift(deps, pipeline, champion.version, dataset, w, policy);
  if (!champion.transforms) return raw;
  // Derived features: always exactly, on the window's newest answers (replicas count raw columns only).
  const exactRows = pipeline.monitor.drift?.exactRows ?? EXACT_WINDOW_ROWS;
  const requests = read ?? (await loggedRequests(deps.db, pipeline.name, Math.max(w.from, w.to - exactRows * 2), w.to)).slice(-exactRows);
  // The training rows are read only when the derived reference is not prepared yet (the exact path has them at hand).
  const trainingRows = async () => references.get(referenceKey(dataset, pipeline))?.table ?? loadSnapshot(deps.artifacts, dataset.uri);
  let derived;
  try {
    derived = await measureDerivedDrift(`${dataset.id}@${champion.version}`, trainingRows, requests.map((r) => r.input), champion.transforms, policy);
  } catch (err) {
    // The raw columns are judged still: a derived column without values in the window is reported, not fatal.
    if (!(err instanceof DataError)) throw err;
    return { ...raw, basis: `${raw.basis}; derived features not measured: ${err.message}` };
  }
  if (derived.results.length === 0) return raw;
  return {
    profile: raw.profile, suite: { ...raw.suite, derived: derived.results }, histograms: [...raw.histograms, ...derived.histograms],
    basis: `${raw.basis}; ${derived.note}`,
  };
}

async function measureRawDrift(
  deps: ActivityDeps, pipeline: PipelineDefinition, championVersion: number, dataset: DatasetRow,
  w: { from: number; to: number; rows: number; aggFrom: number; aggTo: number }, policy: DriftSuitePolicy,
): Promise<WindowDrift & { requests?: Awaited<ReturnType<typeof loggedRequests>> }> {
  const exactRows = pipeline.monitor.drift?.exactRows ?? EXACT_WINDOW_ROWS;
  if (w.rows > exactRows) {
    const profile = await profileOf(deps, pipeline, championVersion, dataset);
    let merged: WindowAggregate | null = null;
    const counted = await forEachAggregate<WindowAggregate>(deps.db, pipeline.name, championVersion, w.aggFrom, w.aggTo, (a) => {
      if (a.profileId === profile.id) merged = merged ? mergeInto(merged, a) : a;
    });
    const whole = merged as WindowAggregate | null;
    if (whole && counted >= AGGREGATE_COVERAGE * w.rows) {
      const suite = driftFromAggregates(profile, whole, policy);
      const histograms = profile.columns.filter((c) => c.role === 'feature').map((c) => histogramFromCells(c, whole));
      return { profile, suite, histograms, basis: `from the replicas' aggregates: ${counted} answers on the champion's profile (${profile.bins} quantile bins per numeric feature)` };
    }
  }
  // Exact: the whole window when small, else its newest EXACT_WINDOW_ROWS rows (aggregates missing or partial).
  const from = w.rows > exactRows ? Math.max(w.from, w.to - exactRows * 2) : w.from;
  const requests = (await loggedRequests(deps.db, pipeline.name, from, w.to)).slice(-exactRows);
  if (requests.length === 0) throw new DataError(`the window ${w.from}..${w.to} has no answers to measure drift on`);
  const { table: reference, prepared } = await referenceOf(deps, dataset, pipeline);
  const profile = await profileOf(deps, pipeline, championVersion, dataset, reference);
  const drifted = featuresOf(pipeline, reference);
  const features = [...drifted.numeric, ...drifted.categorical];
  // Each feature is read as the kind it has in the training data: a value that does not fit names its row.
  const kinds = Object.fromEntries(reference.columns.filter((c) => features.includes(c.name)).map((c) => [c.name, c.kind]));
  const current = tableFromObjects(requests.map((r) => r.input), `window ${w.from}..${w.to}`, { kinds });
  const predicted = requests.map((r) => ({ [PREDICTION_COLUMN]: r.predicted ?? r.predictedValue }));
  const target = reference.columns.find((c) => c.name === pipeline.target);
  const curPrediction = target ? tableFromObjects(predicted, 'predictions', { kinds: { [PREDICTION_COLUMN]: target.kind } }).columns : [];
  const suite = driftExactPrepared(prepared, current, policy, curPrediction);
  const histograms = features.map((f) => histogramPair(f, column(reference, f), column(current, f)));
  const basis = requests.length < w.rows ? `exactly, on the window's newest ${requests.length} of ${w.rows} answers (aggregates did not cover it)` : `exactly, on all ${requests.length} answers`;
  return { profile, suite, histograms, basis, requests };
}

/** The column label drift is reported under. */
export const LABEL_COLUMN = '__label';

/**
 * Label drift: the labels that arrived for the window's quality vs the labels of the champion's training data (the
 * profile's answer column), judged like any column; null without labels or without that column.
 */
export function labelDrift(profile: DriftProfile, labels: readonly (string | number)[], policy: DriftSuitePolicy): ColumnDriftResult | null {
  const column = profile.columns.find((c) => c.name === PREDICTION_COLUMN);
  if (!column || labels.length === 0) return null;
  const single: DriftProfile = { ...profile, columns: [{ ...column, name: LABEL_COLUMN }] };
  const builder = new AggregateBuilder(single);
  for (const label of labels) builder.add({ [LABEL_COLUMN]: label });
  try {
    return driftFromAggregates(single, builder.snapshot(), policy).extra[0] ?? null;
  } catch (err) {
    if (err instanceof DataError) return null; // e.g. regression labels that are no numbers
    throw err;
  }
}
