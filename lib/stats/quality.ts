// A monitor window's quality on its labelled rows against the champion's holdout: accuracy drop or RMSE rise.
import type { OnnxTask } from '../onnx/runtime.js';
import type { WindowQuality } from '../report/monitorHtml.js';
import { numericLabel } from '../data/labels.js';

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
}

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
  const labelled = rows.filter((r) => r.label !== null);
  const accuracy = labelled.length ? labelled.filter((r) => r.label === r.predicted).length / labelled.length : null;
  const baseline = holdout.accuracy;
  const quality: WindowQuality = { labelledRows: labelled.length, accuracy, championHoldoutAccuracy: baseline ?? null };
  if (accuracy !== null && labelled.length >= policy.minRows && baseline !== undefined) {
    if (baseline - accuracy > policy.maxAccuracyDrop) {
      reasons.push(
        `accuracy ${accuracy.toFixed(3)} on ${labelled.length} labelled rows is ${(baseline - accuracy).toFixed(3)} below the champion's holdout ${baseline.toFixed(3)}`,
      );
    }
  }
  return { quality, reasons };
}
