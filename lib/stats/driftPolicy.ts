// Which drift test judges a column, with which threshold: the policy, its defaults and Evidently's automatic choice.
import type { Correction } from './multipleTesting.js';

export type DriftMethod = 'ks' | 'psi' | 'chisquare' | 'jensenshannon' | 'wasserstein';
export const DRIFT_METHODS: readonly DriftMethod[] = ['ks', 'psi', 'chisquare', 'jensenshannon', 'wasserstein'];

export interface DriftSuitePolicy {
  /** 'auto': Evidently's default choice per column (see DRIFT.md); otherwise one method for every column it fits. */
  method: 'auto' | DriftMethod;
  /** Distance thresholds: a column drifts when its distance is ≥ the threshold. */
  thresholds: { psi: number; jensenshannon: number; wasserstein: number };
  /** p-value tests (KS, chi-square): a column drifts when its adjusted p-value is < alpha. */
  alpha: number;
  /** Correction of the window's p-values (all p-value-judged columns of one window form one family). */
  correction: Correction;
  /** The dataset drifts when the share of drifted features is ≥ this. */
  datasetDriftShare: number;
}

/** Evidently's defaults: PSI 0.1, Jensen–Shannon 0.1, normalized Wasserstein 0.1, p < 0.05; Holm; half the features. */
export const DEFAULT_DRIFT_POLICY: DriftSuitePolicy = {
  method: 'auto',
  thresholds: { psi: 0.1, jensenshannon: 0.1, wasserstein: 0.1 },
  alpha: 0.05,
  correction: 'holm',
  datasetDriftShare: 0.5,
};

/** Evidently's automatic choice: p-value tests on small references, distances on large ones. */
export const AUTO_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values (reference ∪ current) are treated as discrete. */
export const DISCRETE_VALUES = 5;

export interface MethodChoice {
  method: DriftMethod;
  reason: string;
}

/**
 * The test for one column. `distinct` counts reference ∪ current values (from aggregates: the reference's
 * distinct values plus the current's non-empty cells between them, a lower bound).
 */
export function chooseMethod(kind: 'numeric' | 'categorical', distinct: number, referenceRows: number, policy: DriftSuitePolicy): MethodChoice {
  const discrete = kind === 'categorical' || distinct <= DISCRETE_VALUES;
  const what = kind === 'categorical' ? 'categorical' : discrete ? `numeric with ${distinct} ≤ ${DISCRETE_VALUES} distinct values` : `numeric with > ${DISCRETE_VALUES} distinct values`;
  if (policy.method === 'auto') {
    const small = referenceRows <= AUTO_REFERENCE_ROWS;
    const size = `reference ${referenceRows} ${small ? '≤' : '>'} ${AUTO_REFERENCE_ROWS} rows`;
    if (small && !discrete) return { method: 'ks', reason: `auto: ${size}, ${what} → KS (p < ${policy.alpha})` };
    if (small) {
      const z = distinct <= 2 ? ' (two values: the z-test, χ² = z²)' : '';
      return { method: 'chisquare', reason: `auto: ${size}, ${what} → chi-square${z} (p < ${policy.alpha})` };
    }
    if (!discrete) return { method: 'wasserstein', reason: `auto: ${size}, ${what} → normalized Wasserstein (≥ ${policy.thresholds.wasserstein})` };
    return { method: 'jensenshannon', reason: `auto: ${size}, ${what} → Jensen–Shannon (≥ ${policy.thresholds.jensenshannon})` };
  }
  if (kind === 'categorical' && policy.method === 'ks') return { method: 'chisquare', reason: 'policy: KS needs numbers, so chi-square for a categorical column' };
  if (kind === 'categorical' && policy.method === 'wasserstein') return { method: 'jensenshannon', reason: 'policy: Wasserstein needs numbers, so Jensen–Shannon for a categorical column' };
  return { method: policy.method, reason: `policy: ${policy.method} for every column` };
}

/** One line saying how the window's methods were chosen. */
export function selectionText(policy: DriftSuitePolicy, referenceRows: number, counts: Partial<Record<DriftMethod, number>>): string {
  const used = DRIFT_METHODS.filter((m) => counts[m]).map((m) => `${m} × ${counts[m]}`).join(', ');
  const correction = policy.correction === 'none' ? 'no correction' : policy.correction === 'holm' ? 'Holm correction' : 'Benjamini–Hochberg correction';
  if (policy.method === 'auto') {
    const rule = referenceRows <= AUTO_REFERENCE_ROWS
      ? `reference ${referenceRows} ≤ ${AUTO_REFERENCE_ROWS} rows: KS for numeric columns with > ${DISCRETE_VALUES} values, chi-square otherwise (p-values, ${correction}, α = ${policy.alpha})`
      : `reference ${referenceRows} > ${AUTO_REFERENCE_ROWS} rows: normalized Wasserstein ≥ ${policy.thresholds.wasserstein} for numeric columns with > ${DISCRETE_VALUES} values, Jensen–Shannon ≥ ${policy.thresholds.jensenshannon} otherwise`;
    return `Evidently's automatic choice — ${rule}; used: ${used}.`;
  }
  return `${policy.method} for every column it fits (KS → chi-square, Wasserstein → Jensen–Shannon on categorical columns); ${correction} on p-values; used: ${used}.`;
}
