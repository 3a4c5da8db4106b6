// The monitor step: one window of logged requests vs the champion's training data → drift + quality report.
import { evaluateDrift, featureDrift } from '../lib/stats/drift.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { column } from '../lib/data/table.js';
import { renderMonitorHtml, type WindowQuality } from '../lib/report/monitorHtml.js';
import type { OnnxTask } from '../lib/onnx/runtime.js';
import { histogramPair } from '../lib/stats/histogram.js';
import { writeReport } from './reports.js';
import { findMonitorReport, getDataset, lastMonitorReport, saveMonitorReport } from '../lib/store/datasets.js';
import { getDeployment, getModelVersion } from '../lib/store/models.js';
import { lastPredictionId, loggedRequests, numericLabel, type LoggedRequest } from '../lib/store/predictions.js';
import type { MonitorWindowInput, MonitorWindowResult } from '../workflows/types.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';

export interface QualityPolicy {
  minRows: number;
  maxAccuracyDrop: number;
  maxRmseIncrease: number;
}

export type QualityRow = Pick<LoggedRequest, 'label' | 'predicted' | 'predictedValue'>;

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

export function createMonitorActivities(deps: ActivityDeps) {
  return {
    /** Idempotent per monitor run: a retried run returns the report it already stored. */
    async computeMonitorWindow(input: MonitorWindowInput): Promise<MonitorWindowResult> {
      const { pipeline } = input;
      const done = await findMonitorReport(deps.db, input.monitorRunId);
      if (done) {
        const { fromPredictionId, toPredictionId, rows, modelVersion, breached, uri } = done;
        return { evaluated: true, fromPredictionId, toPredictionId, rows, modelVersion, breached, reasons: done.report.reasons, reportUri: uri, reportHtml: done.report.html ?? null };
      }
      const deployment = await getDeployment(deps.db, pipeline.name);
      const from = (await lastMonitorReport(deps.db, pipeline.name))?.toPredictionId ?? 0;
      const to = await lastPredictionId(deps.db, pipeline.name);
      const skipped = (rows: number, modelVersion: number): MonitorWindowResult => ({
        evaluated: false, fromPredictionId: from, toPredictionId: Math.max(from, to), rows, modelVersion, breached: false, reasons: [], reportUri: null, reportHtml: null,
      });
      if (!deployment) return skipped(0, 0);
      const requests = to > from ? await loggedRequests(deps.db, pipeline.name, from, to) : [];
      if (requests.length < pipeline.monitor.minRows) return skipped(requests.length, deployment.championVersion);

      const champion = await getModelVersion(deps.db, pipeline.name, deployment.championVersion);
      const dataset = champion ? await getDataset(deps.db, champion.datasetId) : null;
      if (!champion || !dataset) throw new Error(`champion ${pipeline.name}@${deployment.championVersion} or its training data is missing`);
      const reference = await loadSnapshot(deps.artifacts, dataset.uri);
      const current = tableFromObjects(requests.map((r) => r.input), `window ${from}..${to}`);
      const features = [...pipeline.features.numeric, ...pipeline.features.categorical];
      const drift = featureDrift(reference, current, features);
      const verdict = evaluateDrift(drift, requests.length, pipeline.monitor);
      const task = champion.card.signature.task ?? 'classification';
      const { quality, reasons } = judgeQuality(task, requests, task === 'regression' ? champion.card.metrics : champion.metrics, {
        ...pipeline.monitor,
        maxRmseIncrease: pipeline.monitor.maxRmseIncrease ?? 0.5, // a monitor started before the setting existed
      });
      if (reasons.length > 0) {
        verdict.breached = true;
        verdict.reasons.push(...reasons);
      }
      const createdAt = new Date().toISOString();
      const histograms = features.map((f) => histogramPair(f, column(reference, f), column(current, f)));
      const html = await writeReport(
        deps.reportsDir,
        `${pipeline.name}/monitor-${String(from).padStart(8, '0')}-${String(to).padStart(8, '0')}.html`,
        renderMonitorHtml({
          model: pipeline.name, championVersion: deployment.championVersion, window: { fromPredictionId: from, toPredictionId: to, rows: requests.length },
          policy: pipeline.monitor, drift, histograms, quality, breached: verdict.breached, reasons: verdict.reasons, createdAt,
        }),
      );
      const report = {
        model: pipeline.name,
        html,
        createdAt,
        championVersion: deployment.championVersion,
        referenceDataset: dataset.id,
        window: { fromPredictionId: from, toPredictionId: to, rows: requests.length },
        policy: pipeline.monitor,
        drift,
        quality,
        breached: verdict.breached,
        reasons: verdict.reasons,
      };
      const stored = await deps.artifacts.putJson(report);
      await saveMonitorReport(deps.db, {
        monitorRunId: input.monitorRunId,
        modelName: pipeline.name,
        modelVersion: deployment.championVersion,
        fromPredictionId: from,
        toPredictionId: to,
        rows: requests.length,
        breached: verdict.breached,
        report,
        uri: stored.uri,
      });
      return {
        evaluated: true, fromPredictionId: from, toPredictionId: to, rows: requests.length, modelVersion: deployment.championVersion,
        breached: verdict.breached, reasons: verdict.reasons, reportUri: stored.uri, reportHtml: html,
      };
    },
  };
}
