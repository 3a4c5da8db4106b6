// The monitor step: one window of logged requests vs the champion's training data → drift + quality report.
import { evaluateDrift, featureDrift } from '../lib/stats/drift.js';
import { tableFromObjects } from '../lib/data/typing.js';
import { column } from '../lib/data/table.js';
import { renderMonitorHtml } from '../lib/report/monitorHtml.js';
import { judgeQuality } from '../lib/stats/quality.js';
import { histogramPair } from '../lib/stats/histogram.js';
import { writeReport } from './reports.js';
import { findMonitorReport, getDataset, lastMonitorReport, saveMonitorReport } from '../lib/store/datasets.js';
import { getDeployment, getModelVersion } from '../lib/store/models.js';
import { lastPredictionId, loggedRequests } from '../lib/store/predictions.js';
import type { MonitorWindowInput, MonitorWindowResult } from '../contracts/types.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';
import { definitionOf } from './definitions.js';

export function createMonitorActivities(deps: ActivityDeps) {
  return {
    /** Idempotent per monitor run: a retried run returns the report it already stored. */
    async computeMonitorWindow(input: MonitorWindowInput): Promise<MonitorWindowResult> {
      const pipeline = await definitionOf(deps, input.pipeline);
      const retrainEnabled = pipeline.retrain.enabled;
      const done = await findMonitorReport(deps.db, input.monitorRunId);
      if (done) {
        const { fromPredictionId, toPredictionId, rows, modelVersion, breached, uri } = done;
        return { evaluated: true, fromPredictionId, toPredictionId, rows, modelVersion, breached, reasons: done.report.reasons, reportUri: uri, reportHtml: done.report.html ?? null, retrainEnabled };
      }
      const deployment = await getDeployment(deps.db, pipeline.name);
      const from = (await lastMonitorReport(deps.db, pipeline.name))?.toPredictionId ?? 0;
      const to = await lastPredictionId(deps.db, pipeline.name);
      const skipped = (rows: number, modelVersion: number): MonitorWindowResult => ({
        evaluated: false, fromPredictionId: from, toPredictionId: Math.max(from, to), rows, modelVersion, breached: false, reasons: [], reportUri: null, reportHtml: null, retrainEnabled,
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
      const { quality, reasons } = judgeQuality(task, requests, champion.metrics, {
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
        breached: verdict.breached, reasons: verdict.reasons, reportUri: stored.uri, reportHtml: html, retrainEnabled,
      };
    },
  };
}
