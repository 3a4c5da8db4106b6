// What a drift test is: its name, kind (p-value or distance), how it measures a column from aggregates and exactly, its threshold and labels.
import type { NumericDriftColumn } from '../driftProfile.js';

/** A p-value test drifts when its (corrected) p-value is below alpha; a distance when it is ≥ its threshold. */
export type DriftTestKind = 'p-value' | 'distance';

/** Both sides' sorted finite values (exact path only), and the one merge walk the KS and Wasserstein tests share. */
export interface ExactSides {
  reference: Float64Array;
  current: Float64Array;
  /** KS statistic and Wasserstein-1 distance of the two sides (computed once, on first use). */
  walk(): { ksStatistic: number; wasserstein: number };
}

/** One column of one window, as every test sees it. */
export interface DriftColumnInput {
  kind: 'numeric' | 'categorical';
  /**
   * Counts on the coarse bins every binned test shares (PSI, chi-square, Jensen–Shannon): a numeric column's
   * reference deciles (or each value of a discrete one), a categorical column's categories, "other" and the
   * window's new categories (zero on the reference side).
   */
  bins: { reference: ArrayLike<number>; current: ArrayLike<number> };
  /** Numeric columns: the reference's fine cells (profile) and the window's counts and tail sums on them; null for categorical. */
  cells: { profile: NumericDriftColumn; current: { counts: ArrayLike<number>; belowSum: number; aboveSum: number } } | null;
  referenceCount: number;
  currentCount: number;
}

/** Evidently's automatic choice names one test per (reference size, column values) pair; see driftPolicy.ts. */
export interface AutoRole {
  reference: 'small' | 'large';
  values: 'continuous' | 'discrete';
}

/**
 * A drift test. `field` names its value in every column result (and in stored drift values); `name` is the
 * policy's and the config's name for it. Adding a test: one file under lib/stats/drift/ and one entry in index.ts.
 */
export interface DriftTest<Name extends string = string, Field extends string = string, Value = unknown> {
  name: Name;
  field: Field;
  kind: DriftTestKind;
  /** Short label ("KS", "chi-square", "Wasserstein"): breach reasons and fallbacks. */
  label: string;
  /** The label where a rule names the test ("normalized Wasserstein"); default: label. */
  title?: string;
  /** The report's column heading ("KS D / p"). */
  header: string;
  /** 'numeric': the test needs numbers; on a categorical column a policy naming it uses `fallback` instead. */
  columns: 'numeric' | 'any';
  fallback?: string;
  /** Distances: the default threshold and the largest one a config may set. P-value tests use the policy's alpha. */
  threshold?: { default: number; max: number };
  auto?: AutoRole;
  /** Added to the automatic choice's reason (chi-square on two values is the z-test). */
  note?(distinct: number): string;
  /** The test's value of a column from its aggregates (cells and bins); null where it does not apply. */
  fromAggregates(input: DriftColumnInput): Value;
  /** The exact value from both sides' sorted values; absent: fromAggregates is already exact. */
  exact?(input: DriftColumnInput, sides: ExactSides): Value;
  /** What the test judges: its p-value, or its distance (NaN when it does not apply). */
  judged(value: Value): number;
  /** The numbers the report shows for it (joined by " / "). */
  shown(value: Value): (number | null | undefined)[];
}

/** A test with its literal name and field kept in its type (the registry derives the result's fields from them). */
export function defineDriftTest<Name extends string, Field extends string, Value>(test: DriftTest<Name, Field, Value>): DriftTest<Name, Field, Value> {
  return test;
}
