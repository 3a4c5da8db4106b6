// Which drift test judges a column, with which threshold: the policy, its defaults and Evidently's automatic choice, over the registry.
import type { Correction } from './multipleTesting.js';
import { autoDriftTest, BUILTIN_DRIFT_TESTS, driftTest, driftTests, type DriftTest, type DriftTestName } from './drift/index.js';

export type { DriftMethod, DriftTestName } from './drift/index.js';

export interface DriftSuitePolicy {
  /** 'auto': Evidently's default choice per column (see DRIFT.md); otherwise one registered test for every column it fits. */
  method: 'auto' | DriftTestName;
  /** Distance thresholds by test name: a column drifts when its distance is ≥ the threshold (absent: the test's default). */
  thresholds: Record<string, number>;
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
  thresholds: Object.fromEntries((BUILTIN_DRIFT_TESTS as readonly DriftTest[]).flatMap((t) => (t.threshold ? [[t.name, t.threshold.default]] : []))),
  alpha: 0.05,
  correction: 'holm',
  datasetDriftShare: 0.5,
};

/** Evidently's automatic choice: p-value tests on small references, distances on large ones. */
export const AUTO_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values (reference ∪ current) are treated as discrete. */
export const DISCRETE_VALUES = 5;

export interface MethodChoice {
  method: DriftTestName;
  reason: string;
}

/** A distance test's threshold under the policy (its default when the policy does not set it). */
export function thresholdOf(policy: DriftSuitePolicy, test: DriftTest): number {
  return policy.thresholds[test.name] ?? test.threshold?.default ?? NaN;
}

/** How a rule names a test's verdict: "KS (p < 0.05)", "normalized Wasserstein (≥ 0.1)". */
const verdictOf = (test: DriftTest, policy: DriftSuitePolicy): string => (test.kind === 'p-value' ? `p < ${policy.alpha}` : `≥ ${thresholdOf(policy, test)}`);
const titleOf = (test: DriftTest): string => test.title ?? test.label;

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
    const test = autoDriftTest({ reference: small ? 'small' : 'large', values: discrete ? 'discrete' : 'continuous' });
    return { method: test.name, reason: `auto: ${size}, ${what} → ${titleOf(test)}${test.note?.(distinct) ?? ''} (${verdictOf(test, policy)})` };
  }
  const test = driftTest(policy.method);
  if (kind === 'categorical' && test.columns === 'numeric') {
    const fallback = driftTest(test.fallback ?? '');
    return { method: fallback.name, reason: `policy: ${test.label} needs numbers, so ${fallback.label} for a categorical column` };
  }
  return { method: test.name, reason: `policy: ${test.name} for every column` };
}

/** The automatic choice's rule for one reference size: "KS for numeric columns with > 5 values, chi-square otherwise (p-values, …)". */
function autoRule(reference: 'small' | 'large', policy: DriftSuitePolicy, correction: string): string {
  const continuous = autoDriftTest({ reference, values: 'continuous' });
  const discrete = autoDriftTest({ reference, values: 'discrete' });
  const bothP = continuous.kind === 'p-value' && discrete.kind === 'p-value';
  const phrase = (t: DriftTest) => (bothP ? titleOf(t) : `${titleOf(t)} ${verdictOf(t, policy)}`);
  return `${phrase(continuous)} for numeric columns with > ${DISCRETE_VALUES} values, ${phrase(discrete)} otherwise${bothP ? ` (p-values, ${correction}, α = ${policy.alpha})` : ''}`;
}

/** One line saying how the window's methods were chosen. */
export function selectionText(policy: DriftSuitePolicy, referenceRows: number, counts: Partial<Record<string, number>>): string {
  const used = driftTests().filter((t) => counts[t.name]).map((t) => `${t.name} × ${counts[t.name]}`).join(', ');
  const correction = policy.correction === 'none' ? 'no correction' : policy.correction === 'holm' ? 'Holm correction' : 'Benjamini–Hochberg correction';
  if (policy.method === 'auto') {
    const rule = referenceRows <= AUTO_REFERENCE_ROWS
      ? `reference ${referenceRows} ≤ ${AUTO_REFERENCE_ROWS} rows: ${autoRule('small', policy, correction)}`
      : `reference ${referenceRows} > ${AUTO_REFERENCE_ROWS} rows: ${autoRule('large', policy, correction)}`;
    return `Evidently's automatic choice — ${rule}; used: ${used}.`;
  }
  const fallbacks = driftTests().filter((t) => t.columns === 'numeric' && t.fallback).map((t) => `${t.label} → ${driftTest(t.fallback!).label}`);
  const fits = fallbacks.length ? ` (${fallbacks.join(', ')} on categorical columns)` : '';
  return `${policy.method} for every column it fits${fits}; ${correction} on p-values; used: ${used}.`;
}
