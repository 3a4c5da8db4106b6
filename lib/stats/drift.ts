// Feature drift between a reference and a current table (PSI, KS) and its judgement against a policy.
import type { Column, Table } from '../data/table.js';
import { DataError } from '../data/errors.js';
import { ksTwoSample, type KsResult } from './ks.js';
import { psiCategorical, psiNumeric } from './psi.js';

export { ksTwoSample, kolmogorovSf, type KsResult } from './ks.js';
export { psiCategorical, psiNumeric, psiFromCounts, PSI_EPSILON } from './psi.js';

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** NaN when either side has no values for the feature. */
  psi: number;
  /** Numeric features with values on both sides only. */
  ks?: KsResult;
  /** Non-missing values on each side. */
  referenceCount: number;
  currentCount: number;
}

export interface DriftPolicy {
  psiThreshold: number;
  ksPValueThreshold: number;
  /** Fewer current rows than this: drift is not judged. */
  minRows: number;
}

export interface DriftVerdict {
  breached: boolean;
  reasons: string[];
}

/** PSI (and KS for numeric features) per feature; date features are refused. */
export function featureDrift(reference: Table, current: Table, features: string[]): FeatureDrift[] {
  return features.map((feature) => {
    const ref = find(reference, feature, 'reference');
    const cur = find(current, feature, 'current');
    if (ref.kind !== cur.kind) {
      throw new DataError(`feature "${feature}" is ${ref.kind} in the reference but ${cur.kind} in the current data`, {
        feature,
      });
    }
    if (ref.kind === 'categorical' && cur.kind === 'categorical') {
      return {
        feature,
        kind: 'categorical',
        psi: psiCategorical(ref.values, cur.values),
        referenceCount: present(ref),
        currentCount: present(cur),
      };
    }
    if (ref.kind !== 'numeric' || cur.kind !== 'numeric') {
      throw new DataError(`feature "${feature}" is a date column; drift is measured on numeric and categorical features`, {
        feature,
      });
    }
    const drift: FeatureDrift = {
      feature,
      kind: 'numeric',
      psi: psiNumeric(ref.values, cur.values),
      referenceCount: present(ref),
      currentCount: present(cur),
    };
    if (drift.referenceCount > 0 && drift.currentCount > 0) drift.ks = ksTwoSample(ref.values, cur.values);
    return drift;
  });
}

function find(table: Table, feature: string, side: string): Column {
  const c = table.columns.find((col) => col.name === feature);
  if (!c) {
    throw new DataError(`feature "${feature}" is not a column of the ${side} data (have: ${table.columns.map((x) => x.name).join(', ')})`, {
      feature,
      side,
    });
  }
  return c;
}

function present(c: Column): number {
  let count = 0;
  if (c.kind === 'categorical') {
    for (const v of c.values) if (v !== null) count++;
  } else {
    for (let i = 0; i < c.values.length; i++) if (!Number.isNaN(c.values[i])) count++;
  }
  return count;
}

/**
 * A feature breaches when PSI > psiThreshold or KS p < ksPValueThreshold, or when it has no values on
 * one side (fail closed). With fewer than policy.minRows current rows nothing is judged.
 */
export function evaluateDrift(drifts: FeatureDrift[], rows: number, policy: DriftPolicy): DriftVerdict {
  if (rows < policy.minRows) {
    return { breached: false, reasons: [`only ${rows} rows, fewer than the ${policy.minRows} needed to judge drift`] };
  }
  const reasons: string[] = [];
  for (const d of drifts) {
    if (d.referenceCount === 0 || d.currentCount === 0) {
      const side = d.referenceCount === 0 ? 'reference' : 'current';
      reasons.push(`feature "${d.feature}": no values in the ${side} data`);
      continue;
    }
    if (d.psi > policy.psiThreshold) {
      reasons.push(`feature "${d.feature}": PSI ${round(d.psi)} > ${policy.psiThreshold}`);
    }
    if (d.ks && d.ks.pValue < policy.ksPValueThreshold) {
      reasons.push(
        `feature "${d.feature}": KS p-value ${d.ks.pValue.toExponential(2)} < ${policy.ksPValueThreshold} (D = ${round(d.ks.statistic)})`,
      );
    }
  }
  return { breached: reasons.length > 0, reasons };
}

function round(x: number): string {
  return String(Number(x.toPrecision(3)));
}
