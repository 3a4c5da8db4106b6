// A monitor window's quality on its labelled rows: the champion's breach judgement, and per-variant metrics with intervals.
import type { OnnxTask } from '../onnx/runtime.js';
import type { WindowQuality } from '../report/monitorHtml.js';
import { numericLabel } from '../data/labels.js';
import { accuracy } from './classMetrics/accuracy.js';
import { reportOf, type ClassificationReport } from './classMetrics/report.js';
import { scoreRows, type ClassRow } from './classMetrics/scored.js';
import { meanInterval, rmseInterval, type Estimate } from './intervals.js';

export interface QualityPolicy {
  minRows: number;
  maxAccuracyDrop: number;
  maxRmseIncrease: number;
}

/** A labelled prediction: the label sent as feedback, and the classifier's or the regressor's answer. */
export interface QualityRow {
  label: string | null;
  predicted: string | null;
  predictedValue: number | null;
  /** A classifier's logged class probabilities, in the order of `classes` (the version's logged classes); absent: none. */
  probabilities?: readonly number[] | null;
  classes?: readonly string[] | null;
}

/** The rows a classification metric reads: labelled, with the classifier's answer. */
export const classRows = (rows: readonly QualityRow[]): ClassRow[] =>
  rows.filter((r): r is QualityRow & ClassRow => r.label !== null && r.predicted !== null);

/**
 * A window's quality on its labelled rows against the champion's holdout metrics, and why it breaches (no reasons:
 * within policy). Classifier: accuracy vs `accuracy`; regressor: RMSE (and MAE) vs `rmse`, over rows whose label is
 * a number. Judged only with at least policy.minRows labelled rows.
 */
export function judgeQuality(task: OnnxTask, rows: readonly QualityRow[], holdout: Record<string, number>, policy: QualityPolicy): { quality: WindowQuality; reasons: string[] } {
  const reasons: string[] = [];
  if (task === 'regression') {
    let n = 0;
    let squared = 0;
    let absolute = 0;
    for (const r of rows) {
      const truth = r.label === null ? null : numericLabel(r.label);
      if (truth === null || r.predictedValue === null) continue;
      const error = truth - r.predictedValue;
      squared += error * error;
      absolute += Math.abs(error);
      n++;
    }
    const rmse = n > 0 ? Math.sqrt(squared / n) : null;
    const baseline = holdout.rmse;
    const quality: WindowQuality = { task, labelledRows: n, rmse, mae: n > 0 ? absolute / n : null, championHoldoutRmse: baseline ?? null };
    if (rmse !== null && n >= policy.minRows && baseline !== undefined && Number.isFinite(baseline)) {
      if (rmse > baseline * (1 + policy.maxRmseIncrease)) {
        const above = baseline > 0 ? `${((rmse / baseline - 1) * 100).toFixed(1)}% above` : 'above';
        reasons.push(
          `rmse ${rmse.toFixed(3)} on ${n} labelled rows is ${above} the champion's holdout ${baseline.toFixed(3)} (allowed ${(policy.maxRmseIncrease * 100).toFixed(1)}%)`,
        );
      }
    }
    return { quality, reasons };
  }
  const labelled = classRows(rows);
  const measured = accuracy.overall(scoreRows(labelled));
  const value = 'value' in measured ? measured.value : null;
  const baseline = holdout.accuracy;
  const quality: WindowQuality = { labelledRows: labelled.length, accuracy: value, championHoldoutAccuracy: baseline ?? null };
  if (value !== null && labelled.length >= policy.minRows && baseline !== undefined) {
    if (baseline - value > policy.maxAccuracyDrop) {
      reasons.push(
        `accuracy ${value.toFixed(3)} on ${labelled.length} labelled rows is ${(baseline - value).toFixed(3)} below the champion's holdout ${baseline.toFixed(3)}`,
      );
    }
  }
  return { quality, reasons };
}

export type Variant = 'champion' | 'challenger' | 'shadow';

/** A labelled answer of one variant (shadow answers share their request, and so their label, with the champion's). */
export interface VariantRow extends QualityRow {
  variant: Variant;
  version: number;
}

/** Quality of one variant's answers (by version) with 95% intervals; null where the metric does not apply or n is too small. */
export interface VariantQuality {
  variant: Variant;
  version: number;
  labelledRows: number;
  accuracy: Estimate | null;
  macroF1: Estimate | null;
  rmse: Estimate | null;
  mae: Estimate | null;
  /** A classifier's every registered metric (lib/stats/classMetrics), overall and per class, with intervals. */
  classification?: ClassificationReport;
}

const ORDER: Record<Variant, number> = { champion: 0, challenger: 1, shadow: 2 };

/**
 * Per variant and version: every registered classification metric (accuracy by Wilson, macro-F1 by seeded percentile
 * bootstrap, and the rest as lib/stats/classMetrics lists them) for a classifier; RMSE
 * (normal interval of the MSE, square-rooted) and MAE (normal) for a regressor. Rows without a usable label or answer
 * are left out; labelledRows counts the rows used.
 */
export function qualityByVariant(task: OnnxTask, rows: readonly VariantRow[], o: { level?: number; seed?: number; iterations?: number } = {}): VariantQuality[] {
  const level = o.level ?? 0.95;
  const groups = new Map<string, VariantRow[]>();
  for (const r of rows) {
    const key = `${r.variant}:${r.version}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out: VariantQuality[] = [];
  for (const list of groups.values()) {
    const { variant, version } = list[0];
    const empty: VariantQuality = { variant, version, labelledRows: 0, accuracy: null, macroF1: null, rmse: null, mae: null };
    out.push(task === 'regression' ? { ...empty, ...regressionQuality(list, level) } : { ...empty, ...classificationQuality(list, level, o.seed ?? 0, o.iterations ?? 400) });
  }
  return out.sort((a, b) => ORDER[a.variant] - ORDER[b.variant] || a.version - b.version);
}

function regressionQuality(rows: readonly QualityRow[], level: number): Partial<VariantQuality> {
  const errors: number[] = [];
  for (const r of rows) {
    const truth = r.label === null ? null : numericLabel(r.label);
    if (truth !== null && r.predictedValue !== null) errors.push(truth - r.predictedValue);
  }
  if (errors.length < 2) return { labelledRows: errors.length };
  return { labelledRows: errors.length, rmse: rmseInterval(errors, level), mae: meanInterval(errors.map(Math.abs), level) };
}

function classificationQuality(rows: readonly QualityRow[], level: number, seed: number, iterations: number): Partial<VariantQuality> {
  const used = classRows(rows);
  const n = used.length;
  if (n === 0) return { labelledRows: 0 };
  const report = reportOf(scoreRows(used), { level, seed, iterations });
  return { labelledRows: n, accuracy: report.overall.accuracy.interval, macroF1: report.overall.f1.interval, classification: report };
}
