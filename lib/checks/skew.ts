// Training/serving skew against a reference profile: Jensen–Shannon (numeric, dates) and L-infinity (categorical).
import { z } from 'zod';
import type { Table } from '../data/table.js';
import { rankCategories, type CategoricalStats, type CategoryCount, type ColumnStats, type DatasetProfile, type NumericStats } from '../data/profile.js';
import { encoded, type EncodingCache } from '../stats/dictionary.js';
import { countOnEdges, rebinCounts } from '../stats/bins.js';
import { jensenShannonDistance } from '../stats/divergence.js';
import { fmt } from './validate.js';

const severity = z.enum(['error', 'warning']);

export const skewConfigSchema = z
  .object({
    /** Threshold of the Jensen–Shannon distance for numeric and date columns. */
    defaultNumericJs: z.number().min(0).max(1).default(0.1),
    /** Threshold of the L-infinity distance for categorical columns. */
    defaultCategoricalLinf: z.number().min(0).max(1).default(0.1),
    /** Severity of a breach, unless a column says otherwise. */
    severity: severity.default('warning'),
    columns: z.record(z.string(), z.object({ threshold: z.number().min(0).max(1), severity: severity.optional() }).strict()).optional(),
    /** Columns left out of the check. */
    ignore: z.array(z.string()).optional(),
  })
  .strict();

export type SkewConfig = z.input<typeof skewConfigSchema>;

/** Shares per bin, for drawing: numeric ranges (with "below"/"above" the reference range) or categories. */
export interface SkewBins {
  labels: string[];
  reference: number[];
  current: number[];
}

export interface SkewResult {
  column: string;
  kind: 'numeric' | 'date' | 'categorical';
  measure: 'jensen_shannon' | 'l_infinity';
  /** null when either side has no values. */
  distance: number | null;
  threshold: number;
  severity: 'error' | 'warning';
  passed: boolean;
  message: string;
  /** Current categories absent from the reference's full domain (most frequent first, at most 100). */
  unseenCategories?: string[];
  /** True when the current side came as a profile and its histogram was re-binned onto the reference's bins. */
  approximate?: boolean;
  bins: SkewBins;
}

const SHOWN_CATEGORIES = 20;

/**
 * Skew of each column the reference profile and the current data share (same kind). The current side is
 * a table (counted exactly on the reference's histogram bins, one cheap pass per numeric column) or a
 * profile (its histogram re-binned by overlap: exact when bins coincide, approximate otherwise). Neither
 * way needs the reference table. Columns missing or retyped are schema anomalies, not skew. Date columns
 * are skipped unless `columns` gives them a threshold (new data is always later than the reference).
 */
export function computeSkew(reference: DatasetProfile, current: Table | DatasetProfile, config: SkewConfig = {}, options: { cache?: EncodingCache } = {}): SkewResult[] {
  const cfg = skewConfigSchema.parse(config);
  const results: SkewResult[] = [];
  const ignored = new Set(cfg.ignore ?? []);
  for (const [name, own] of Object.entries(cfg.columns ?? {})) {
    if (!reference.columns.some((c) => c.name === name)) {
      results.push({
        column: name, kind: 'numeric', measure: 'jensen_shannon', distance: null, threshold: own.threshold,
        severity: own.severity ?? cfg.severity, passed: false, bins: { labels: [], reference: [], current: [] },
        message: `skew threshold given for column "${name}", which is not in the reference profile`,
      });
    }
  }
  for (const ref of reference.columns) {
    if (ignored.has(ref.name)) continue;
    // Dates move forward by nature: they are compared only when a threshold is given for them.
    if (ref.kind === 'date' && !cfg.columns?.[ref.name]) continue;
    const stats = 'version' in current ? current.columns.find((c) => c.name === ref.name) : undefined;
    const column = 'version' in current ? undefined : current.columns.find((c) => c.name === ref.name);
    const kind = stats?.kind ?? column?.kind;
    if (kind !== ref.kind) continue;
    const own = cfg.columns?.[ref.name];
    const threshold = own?.threshold ?? (ref.kind === 'categorical' ? cfg.defaultCategoricalLinf : cfg.defaultNumericJs);
    const sev = own?.severity ?? cfg.severity;
    if (ref.kind === 'categorical') {
      let side: CurrentCategories = { list: [], count: 0 };
      if (stats?.kind === 'categorical') side = { list: stats.domain ?? stats.top, count: stats.count };
      else if (column?.kind === 'categorical') {
        const e = encoded(column.values, options.cache);
        side = { list: e.dictionary.map((value, k) => ({ value, count: e.counts[k] })), count: column.values.length - e.nulls };
      }
      results.push(categoricalSkew(ref, side, threshold, sev));
    } else {
      const numeric = stats && stats.kind !== 'categorical' ? stats : null;
      const counts = numeric ? rebinned(numeric, ref) : countsOfColumn(column && column.kind !== 'categorical' ? column.values : new Float64Array(0), ref);
      results.push(numericSkew(ref, counts, threshold, sev, numeric !== null && !sameEdges(numeric, ref)));
    }
  }
  return results;
}

interface CurrentCategories {
  /** Current categories with counts, any order (all of them, or a profile's top ones when its domain is large). */
  list: CategoryCount[];
  /** Non-missing current values. */
  count: number;
}

/** Layout of countOnEdges; a reference without values has no bins: everything current counts as "below". */
function countsOfColumn(values: Float64Array, ref: NumericStats): Float64Array {
  if (ref.histogram) return countOnEdges(values, ref.histogram.edges);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] === 0) n++;
  return Float64Array.of(n, 0, 0);
}

function rebinned(cur: NumericStats, ref: NumericStats): Float64Array {
  if (!ref.histogram) return Float64Array.of(cur.count - cur.infinite, 0, 0);
  if (!cur.histogram) return new Float64Array(ref.histogram.edges.length + 1);
  return rebinCounts(cur.histogram, ref.histogram.edges);
}

function sameEdges(cur: NumericStats, ref: NumericStats): boolean {
  const a = cur.histogram?.edges ?? [];
  const b = ref.histogram?.edges ?? [];
  return a.length === b.length && a.every((e, k) => e === b[k]);
}

function numericSkew(ref: NumericStats, counts: Float64Array, threshold: number, severity: 'error' | 'warning', approximate: boolean): SkewResult {
  const bins = counts.length - 2;
  const refCounts = new Float64Array(bins + 2);
  ref.histogram?.counts.forEach((c, k) => (refCounts[1 + k] = c));
  const distance = jensenShannonDistance(refCounts, counts);
  const total = counts.reduce((s, c) => s + c, 0);
  const result = judge(ref, 'jensen_shannon', distance, threshold, severity, total === 0);
  const outside = total ? (counts[0] + counts[bins + 1]) / total : 0;
  if (outside > 0 && ref.min !== null && ref.max !== null) {
    result.message += ` (${pct(outside)} of current values outside the reference range [${show(ref.min, ref)}, ${show(ref.max, ref)}])`;
  }
  if (approximate) result.approximate = true;
  result.bins = numericBins(ref, refCounts, counts);
  return result;
}

function categoricalSkew(ref: CategoricalStats, cur: CurrentCategories, threshold: number, severity: 'error' | 'warning'): SkewResult {
  const refList = ref.domain ?? ref.top;
  const index = new Map<string, number>();
  refList.forEach((c, k) => index.set(c.value, k));
  // With the reference's full domain every category is compared; with only its top categories, those.
  if (ref.domain) for (const c of cur.list) if (!index.has(c.value)) index.set(c.value, index.size);
  const names = [...index.keys()];
  const refShare = new Float64Array(names.length);
  const curShare = new Float64Array(names.length);
  // Shares are of all non-missing values on each side, not only of the listed categories.
  refList.forEach((c, k) => (refShare[k] = c.count / ref.count));
  for (const c of cur.list) {
    const k = index.get(c.value);
    if (k !== undefined) curShare[k] = c.count / cur.count;
  }
  let distance = ref.count && cur.count ? 0 : NaN;
  let worst = -1;
  for (let k = 0; k < names.length && distance === distance; k++) {
    const d = Math.abs(refShare[k] - curShare[k]);
    if (d > distance) [distance, worst] = [d, k];
  }
  const result = judge(ref, 'l_infinity', distance, threshold, severity, cur.count === 0);
  if (worst >= 0) result.message += ` (largest change: ${JSON.stringify(names[worst])} ${pct(refShare[worst])} → ${pct(curShare[worst])})`;
  if (ref.domain) {
    const known = new Set(ref.domain.map((c) => c.value));
    const unseen = cur.list.filter((c) => !known.has(c.value)).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    if (unseen.length > 0) {
      result.unseenCategories = unseen.slice(0, 100).map((c) => c.value);
      const shown = unseen.slice(0, 10).map((u) => JSON.stringify(u.value)).join(', ');
      result.message += `; ${unseen.length} categor${unseen.length === 1 ? 'y' : 'ies'} unseen in the reference: ${shown}${unseen.length > 10 ? ', …' : ''}`;
    }
  } else result.message += `; the reference lists only its top ${refList.length} categories, the others are not compared`;
  result.bins = categoricalBins(names, refShare, curShare);
  return result;
}

/** The most prominent categories (by the larger of the two shares), then "(other)" for the rest. */
function categoricalBins(names: string[], refShare: Float64Array, curShare: Float64Array): SkewBins {
  const order = rankCategories(names, Array.from(names, (_, k) => Math.max(refShare[k], curShare[k]))).slice(0, SHOWN_CATEGORIES);
  const bins: SkewBins = { labels: order.map((k) => names[k]), reference: order.map((k) => refShare[k]), current: order.map((k) => curShare[k]) };
  const restRef = 1 - bins.reference.reduce((s, x) => s + x, 0);
  const restCur = 1 - bins.current.reduce((s, x) => s + x, 0);
  if (restRef > 1e-9 || restCur > 1e-9) {
    bins.labels.push('(other)');
    bins.reference.push(Math.max(0, restRef));
    bins.current.push(Math.max(0, restCur));
  }
  return bins;
}

function judge(ref: ColumnStats, measure: SkewResult['measure'], distance: number, threshold: number, severity: 'error' | 'warning', currentEmpty: boolean): SkewResult {
  const base = { column: ref.name, kind: ref.kind, measure, threshold, severity, bins: { labels: [], reference: [], current: [] } };
  if (Number.isNaN(distance)) {
    return { ...base, distance: null, passed: false, message: `column "${ref.name}": no values on the ${currentEmpty ? 'current' : 'reference'} side to compare` };
  }
  const passed = distance <= threshold;
  const name = measure === 'jensen_shannon' ? 'Jensen–Shannon' : 'L-infinity';
  return { ...base, distance, passed, message: `column "${ref.name}": ${name} distance ${fmt(Number(distance.toPrecision(3)))} ${passed ? '≤' : '>'} ${threshold}` };
}

function numericBins(ref: NumericStats, refCounts: Float64Array, counts: Float64Array): SkewBins {
  const edges = ref.histogram?.edges ?? [];
  // A reference without finite values has no bins: every current value is in one bar of its own.
  if (edges.length === 0) return { labels: ['any value (the reference has no finite values)'], reference: [0], current: [counts[0] > 0 ? 1 : 0] };
  const bins = counts.length - 2;
  const refTotal = refCounts.reduce((s, c) => s + c, 0) || 1;
  const curTotal = counts.reduce((s, c) => s + c, 0) || 1;
  const labels: string[] = [];
  const reference: number[] = [];
  const current: number[] = [];
  for (let k = 0; k < bins + 2; k++) {
    if ((k === 0 || k === bins + 1) && counts[k] === 0) continue;
    labels.push(k === 0 ? `below ${show(edges[0], ref)}` : k === bins + 1 ? `above ${show(edges[bins], ref)}` : `${show(edges[k - 1], ref)} to ${show(edges[k], ref)}`);
    reference.push(refCounts[k] / refTotal);
    current.push(counts[k] / curTotal);
  }
  return { labels, reference, current };
}

function show(x: number, ref: ColumnStats): string {
  return ref.kind === 'date' ? new Date(x).toISOString().replace('T00:00:00.000Z', '') : fmt(Number(x.toPrecision(4)));
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}

