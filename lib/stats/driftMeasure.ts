// Every drift test of one column from its cell counts (or exact values), then the window's choice, correction and verdicts.
import type { CategoricalDriftColumn, DriftProfile, NumericDriftColumn } from './driftProfile.js';
import { groupCounts } from './driftCells.js';
import { adjustPValues, type Correction } from './multipleTesting.js';
import { chooseMethod, selectionText, thresholdOf, type DriftSuitePolicy } from './driftPolicy.js';
import { driftTest, driftTests, driftTestValue, type DriftColumnInput, type DriftTestName, type DriftTestValues, type ExactSides } from './drift/index.js';

/** A column's verdict and every registered test's value (under its field: ks, psi, chiSquare, jensenShannon, wasserstein). */
export interface ColumnDriftResult extends DriftTestValues {
  feature: string;
  /** 'derived': a column the champion's transforms compute (activities/monitorDerived.ts). */
  role: 'feature' | 'extra' | 'derived';
  kind: 'numeric' | 'categorical';
  /** The test that judges this column, and why it was chosen. */
  method: DriftTestName;
  reason: string;
  /** The chosen test's value: its p-value for a p-value test (ks, chisquare), else the distance. */
  value: number;
  /** alpha for p-value tests (compared with adjustedPValue), else the distance threshold. */
  threshold: number;
  drifted: boolean;
  pValue: number | null;
  adjustedPValue: number | null;
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
  /**
   * Derived features (lib/transforms), computed with the champion's transforms on the window's newest answers: judged
   * as features, corrected as their own family, a breach when drifted; not counted in datasetDrift's share (raw features).
   */
  derived?: ColumnDriftResult[];
  datasetDrift: { share: number; driftedFeatures: string[]; threshold: number; drifted: boolean };
  correction: Correction;
  alpha: number;
  selection: string;
}

/** A column's measurements before the window's choice and correction. */
export type Measured = Omit<ColumnDriftResult, 'method' | 'reason' | 'value' | 'threshold' | 'drifted' | 'pValue' | 'adjustedPValue'> & { distinct: number };

/** Exact values (driftExact): both sides' sorted values for the tests that measure exactly, and the union's distinct count. */
export interface ExactNumeric {
  sides: ExactSides;
  distinct: number;
}

/** Every registered test's value of one column, under its field, in the registry's order. */
function measureTests(input: DriftColumnInput, sides?: ExactSides): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const t of driftTests()) values[t.field] = sides && t.exact ? t.exact(input, sides) : t.fromAggregates(input);
  return values;
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
  const input: DriftColumnInput = {
    kind: 'numeric', bins: { reference: groupCounts(ref, p.groups), current: groupCounts(cur.counts, p.groups) },
    cells: { profile: p, current: cur }, referenceCount: p.count, currentCount,
  };
  return {
    feature: p.name, role: p.role, kind: 'numeric', ...(measureTests(input, exact?.sides) as DriftTestValues),
    referenceCount: p.count, currentCount, referenceMissing: p.missing, currentMissing: cur.missing,
    distinct: exact ? exact.distinct : p.distinct > 5 ? p.distinct : p.distinct + fresh,
  };
}

export function measureCategorical(p: CategoricalDriftColumn, cur: { counts: ArrayLike<number>; other: number; missing: number; newCategories: Record<string, number> }): Measured {
  const fresh = Object.values(cur.newCategories);
  const ref = [...p.counts, p.other, ...fresh.map(() => 0)];
  const now = [...Array.from(cur.counts), cur.other, ...fresh];
  const currentCount = now.reduce((s, c) => s + c, 0);
  const input: DriftColumnInput = { kind: 'categorical', bins: { reference: ref, current: now }, cells: null, referenceCount: p.count, currentCount };
  return {
    feature: p.name, role: p.role, kind: 'categorical', ...(measureTests(input) as DriftTestValues),
    referenceCount: p.count, currentCount, referenceMissing: p.missing, currentMissing: cur.missing, distinct: p.distinct + fresh.length,
  };
}

/** The chosen method per column, the correction over the window's p-values, the verdicts and dataset drift. */
export function judgeWindow(profile: DriftProfile, measured: Measured[], currentRows: number, policy: DriftSuitePolicy, mode: 'aggregate' | 'exact'): DriftSuiteResult {
  const chosen = measured.map((m) => {
    const choice = chooseMethod(m.kind, m.distinct, profile.rows, policy);
    return { m, choice, test: driftTest(choice.method) };
  });
  const raw = chosen.map(({ m, test }) => (test.kind === 'p-value' ? test.judged(driftTestValue(m, test)) : NaN));
  const adjusted = adjustPValues(raw, policy.correction);
  const counts: Partial<Record<string, number>> = {};
  const results = chosen.map(({ m, choice, test }, i): ColumnDriftResult => {
    const { distinct: _d, ...rest } = m;
    counts[choice.method] = (counts[choice.method] ?? 0) + 1;
    const usesP = test.kind === 'p-value';
    const value = usesP ? raw[i] : test.judged(driftTestValue(m, test));
    const threshold = usesP ? policy.alpha : thresholdOf(policy, test);
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
