// Every drift test of one column from its cell counts (or exact values), then the window's choice, correction and verdicts.
import type { CategoricalDriftColumn, DriftProfile, NumericDriftColumn } from './driftProfile.js';
import { groupCounts, ksFromCells, wassersteinFromCells } from './driftCells.js';
import { chiSquareHomogeneity, type ChiSquareResult } from './chiSquare.js';
import { jensenShannonDistance } from './divergence.js';
import { kolmogorovSf, roundHalfEven } from './ks.js';
import { psiFromCounts } from './psi.js';
import { adjustPValues, type Correction } from './multipleTesting.js';
import { chooseMethod, selectionText, type DriftMethod, type DriftSuitePolicy } from './driftPolicy.js';

export interface ColumnDriftResult {
  feature: string;
  role: 'feature' | 'extra';
  kind: 'numeric' | 'categorical';
  /** The test that judges this column, and why it was chosen. */
  method: DriftMethod;
  reason: string;
  /** The chosen test's value: a p-value for ks / chisquare, else the distance. */
  value: number;
  /** alpha for p-value tests (compared with adjustedPValue), else the distance threshold. */
  threshold: number;
  drifted: boolean;
  pValue: number | null;
  adjustedPValue: number | null;
  /** Numeric only. From cells the exact D lies in [statistic, statistic + errorBound]; 0 when exact. */
  ks: { statistic: number; pValue: number; errorBound: number } | null;
  psi: number;
  chiSquare: ChiSquareResult;
  /** Base 2, in [0, 1]. */
  jensenShannon: number;
  /** Numeric only: Wasserstein-1 distance divided by the reference's std (Evidently's normalization). */
  wasserstein: number | null;
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
}

export interface DriftSuiteResult {
  mode: 'aggregate' | 'exact';
  referenceRows: number;
  currentRows: number;
  features: ColumnDriftResult[];
  /** Extra columns (prediction drift, label drift): judged the same way, not counted in dataset drift. */
  extra: ColumnDriftResult[];
  datasetDrift: { share: number; driftedFeatures: string[]; threshold: number; drifted: boolean };
  correction: Correction;
  alpha: number;
  selection: string;
}

/** A column's measurements before the window's choice and correction. */
export type Measured = Omit<ColumnDriftResult, 'method' | 'reason' | 'value' | 'threshold' | 'drifted' | 'pValue' | 'adjustedPValue'> & { distinct: number };

/** Optional exact values (driftExact) in place of the cell approximations. */
export interface ExactNumeric {
  ksStatistic: number;
  wasserstein: number;
  distinct: number;
}

const WASSERSTEIN_MIN_NORM = 0.001;

function ksPValue(d: number, nr: number, nc: number): number {
  return Math.min(1, Math.max(0, kolmogorovSf(Math.max(1, roundHalfEven((nr * nc) / (nr + nc))), d)));
}

export function measureNumeric(
  p: NumericDriftColumn,
  cur: { counts: ArrayLike<number>; missing: number; belowSum: number; aboveSum: number },
  exact?: ExactNumeric,
): Measured {
  const ref = p.counts;
  let currentCount = 0;
  let fresh = 0;
  for (let i = 0; i < cur.counts.length; i++) {
    currentCount += cur.counts[i];
    if (i % 2 === 0 && cur.counts[i] > 0 && ref[i] === 0) fresh++;
  }
  const fromCells = ksFromCells(ref, cur.counts);
  const statistic = exact ? exact.ksStatistic : fromCells.statistic;
  const rg = groupCounts(ref, p.groups);
  const cg = groupCounts(cur.counts, p.groups);
  const distance = exact ? exact.wasserstein : wassersteinFromCells(p.edges, ref, cur.counts, cur);
  return {
    feature: p.name, role: p.role, kind: 'numeric',
    ks: { statistic, pValue: ksPValue(statistic, p.count, currentCount), errorBound: exact ? 0 : fromCells.errorBound },
    psi: psiFromCounts(rg, cg), chiSquare: chiSquareHomogeneity(rg, cg), jensenShannon: jensenShannonDistance(rg, cg),
    wasserstein: distance / Math.max(p.std, WASSERSTEIN_MIN_NORM),
    referenceCount: p.count, currentCount, referenceMissing: p.missing, currentMissing: cur.missing,
    distinct: exact ? exact.distinct : p.distinct > 5 ? p.distinct : p.distinct + fresh,
  };
}

export function measureCategorical(p: CategoricalDriftColumn, cur: { counts: ArrayLike<number>; other: number; missing: number; newCategories: Record<string, number> }): Measured {
  const fresh = Object.values(cur.newCategories);
  const ref = [...p.counts, p.other, ...fresh.map(() => 0)];
  const now = [...Array.from(cur.counts), cur.other, ...fresh];
  const currentCount = now.reduce((s, c) => s + c, 0);
  return {
    feature: p.name, role: p.role, kind: 'categorical', ks: null,
    psi: psiFromCounts(ref, now), chiSquare: chiSquareHomogeneity(ref, now), jensenShannon: jensenShannonDistance(ref, now), wasserstein: null,
    referenceCount: p.count, currentCount, referenceMissing: p.missing, currentMissing: cur.missing, distinct: p.distinct + fresh.length,
  };
}

/** The chosen method per column, the correction over the window's p-values, the verdicts and dataset drift. */
export function judgeWindow(profile: DriftProfile, measured: Measured[], currentRows: number, policy: DriftSuitePolicy, mode: 'aggregate' | 'exact'): DriftSuiteResult {
  const chosen = measured.map((m) => ({ m, choice: chooseMethod(m.kind, m.distinct, profile.rows, policy) }));
  const raw = chosen.map(({ m, choice }) => (choice.method === 'ks' ? (m.ks?.pValue ?? NaN) : choice.method === 'chisquare' ? m.chiSquare.pValue : NaN));
  const adjusted = adjustPValues(raw, policy.correction);
  const counts: Partial<Record<DriftMethod, number>> = {};
  const results = chosen.map(({ m, choice }, i): ColumnDriftResult => {
    const { distinct: _d, ...rest } = m;
    counts[choice.method] = (counts[choice.method] ?? 0) + 1;
    const usesP = choice.method === 'ks' || choice.method === 'chisquare';
    const value = usesP ? raw[i] : choice.method === 'psi' ? m.psi : choice.method === 'jensenshannon' ? m.jensenShannon : (m.wasserstein as number);
    const threshold = usesP ? policy.alpha : policy.thresholds[choice.method as 'psi' | 'jensenshannon' | 'wasserstein'];
    const drifted = usesP ? adjusted[i] < policy.alpha : value >= threshold;
    return { ...rest, method: choice.method, reason: choice.reason, value, threshold, drifted, pValue: usesP ? raw[i] : null, adjustedPValue: usesP ? adjusted[i] : null };
  });
  const features = results.filter((r) => r.role === 'feature');
  const driftedFeatures = features.filter((r) => r.drifted).map((r) => r.feature);
  const share = features.length ? driftedFeatures.length / features.length : 0;
  return {
    mode, referenceRows: profile.rows, currentRows, features, extra: results.filter((r) => r.role === 'extra'),
    datasetDrift: { share, driftedFeatures, threshold: policy.datasetDriftShare, drifted: features.length > 0 && share >= policy.datasetDriftShare },
    correction: policy.correction, alpha: policy.alpha, selection: selectionText(policy, profile.rows, counts),
  };
}
