// The monitor step: one window of logged requests vs the champion's training data → drift + per-variant quality report.
import type { DriftSuiteResult } from '../lib/stats/driftSuite.js';
import { driftTestValues, findDriftTest } from '../lib/stats/drift/index.js';
import { driftPolicyOf } from '../lib/config/drift.js';
import { lastAggregateId, recentDriftValues, saveDriftValues, type TrendPoint } from '../lib/store/windowAggregates.js';
import { EXACT_WINDOW_ROWS, labelDrift, measureWindowDrift } from './monitorDrift.js';
import { DataError } from '../lib/data/errors.js';
import { renderMonitorHtml, type DriftTrend, type MonitorReportView } from '../lib/report/monitorHtml.js';
import { judgeQuality, qualityByVariant } from '../lib/stats/quality.js';
import { judgeMetricLimits } from './monitorLimits.js';
import { writeReport } from './reports.js';
import { findMonitorReport, getDataset, lastLabelWatermark, lastMonitorReport, saveMonitorReport, type MonitorReportRow } from '../lib/store/datasets.js';
import { answersLabelledSince } from '../lib/store/labelled.js';
import { windowRows } from './monitorRows.js';
import { getDeployment, getModelVersion } from '../lib/store/models.js';
import { lastPredictionId } from '../lib/store/predictions.js';
import { failure } from '../contracts/failures.js';
import type { MonitorWindowInput, MonitorWindowResult } from '../contracts/types.js';
import type { ActivityDeps } from './deps.js';
import { definitionOf } from './definitions.js';
import { definitionWith } from './sections.js';
import type { WithSections } from '../lib/steps/sections.js';
import { successBreaches, successOfWindow } from './monitorSuccess.js';

/** Judged windows the report's trend plots show. */
const TREND_WINDOWS = 24;

const LABEL_WINDOWS = 'quality counts the labels that arrived since the previous judged window (label time), whatever the prediction time';

function fromStored(done: MonitorReportRow, retrainEnabled: boolean): MonitorWindowResult {
  const { fromPredictionId, toPredictionId, rows, modelVersion, breached, uri } = done;
  const judged = done.judged !== false;
  return {
    evaluated: judged, notJudged: judged ? null : { code: 'unjudgeable', reason: done.notJudgedReason ?? 'not judged' },
    fromPredictionId, toPredictionId, rows, modelVersion, breached, reasons: done.report.reasons, reportUri: uri, reportHtml: done.report.html ?? null, retrainEnabled,
  };
}

/** The trend plots' data: per judged window, each column's chosen value and the share of drifted features. */
function trendOf(points: readonly TrendPoint[]): DriftTrend {
  const windows = new Map<number, TrendPoint[]>();
  for (const p of points) windows.set(p.windowTo, [...(windows.get(p.windowTo) ?? []), p]);
  return {
    windows: [...windows].map(([to, ps]) => {
      // The share is over the raw features, as datasetDrift's (derived and extra columns are plotted, not counted).
      const features = ps.filter((p) => !p.feature.startsWith('__') && p.role !== 'derived');
      return { label: `…${to}`, share: features.length ? features.filter((p) => p.drifted).length / features.length : 0, values: Object.fromEntries(ps.map((p) => [p.feature, p.value])) };
    }),
  };
}

/** Breach reasons from a window's drift suite: each drifted feature, with its test, value and threshold. */
function driftReasons(suite: DriftSuiteResult): string[] {
  return [...suite.features, ...(suite.derived ?? [])].filter((f) => f.drifted).map((f) => {
    const test = findDriftTest(f.method);
    const shown = test?.kind === 'p-value'
      ? `${test.label} p-value ${(f.adjustedPValue ?? f.value).toExponential(2)} < ${f.threshold} (${suite.correction === 'none' ? 'uncorrected' : suite.correction})`
      : `${f.method} ${Number(f.value.toPrecision(3))} ≥ ${f.threshold}`;
    return `${f.role === 'derived' ? 'derived feature' : 'feature'} "${f.feature}": ${shown}`;
  });
}

/** Drift against the champion's training data and quality on label time; a DataError escapes (the window is unjudgeable). */
async function judgeWindow(deps: ActivityDeps, pipeline: WithSections<'target' | 'features'>, championVersion: number, w: { from: number; to: number; rows: number; aggFrom: number; aggTo: number }) {
  const champion = await getModelVersion(deps.db, pipeline.name, championVersion);
  const dataset = champion ? await getDataset(deps.db, champion.datasetId) : null;
  if (!champion || !dataset) throw failure('DependencyUnavailable', `champion ${pipeline.name}@${championVersion} or its training data is missing`);
  const policy = driftPolicyOf(pipeline.monitor);
  const drift = await measureWindowDrift(deps, pipeline, { version: championVersion, transforms: champion.card.transforms?.fitted }, dataset, w, policy);
  const verdict = { breached: false, reasons: driftReasons(drift.suite) };
  verdict.breached = verdict.reasons.length > 0;
  const task = champion.card.signature.task ?? 'classification';
  const labelsAfter = await lastLabelWatermark(deps.db, pipeline.name);
  const labelled = await answersLabelledSince(deps.db, pipeline.name, labelsAfter);
  // The breach rule stays on the champion's own answers; every variant's quality is reported.
  const championRows = labelled.rows.filter((r) => r.variant === 'champion' && r.version === championVersion);
  const { quality, reasons } = judgeQuality(task, championRows, champion.metrics, { ...pipeline.monitor, maxRmseIncrease: pipeline.monitor.maxRmseIncrease ?? 0.5 });
  if (reasons.length > 0) {
    verdict.breached = true;
    verdict.reasons.push(...reasons);
  }
  const variants = qualityByVariant(task, labelled.rows, { seed: w.to });
  // monitor.quality: limits on registered classification metrics of the champion's answers (a breach like accuracy's).
  const limits = judgeMetricLimits(task, championRows, pipeline.monitor);
  if (limits.reasons.length > 0) {
    verdict.breached = true;
    verdict.reasons.push(...limits.reasons);
  }
  // Label drift, reported beside prediction drift (not a breach by itself): shadow rows repeat a request, left out.
  const labels = labelled.rows.filter((r) => r.variant !== 'shadow').map((r) => (task === 'regression' ? Number(r.label) : r.label));
  const labelShift = labelDrift(drift.profile, labels, policy);
  if (labelShift) drift.suite.extra.push(labelShift);
  const labelWindow = { after: labelsAfter, to: labelled.labelsTo, rule: LABEL_WINDOWS };
  // The success metric (rollout.success) per variant; retrain.whenSuccess makes the champion's a breach.
  const success = await successOfWindow(deps.db, pipeline, w.from, w.to);
  const missed = successBreaches(pipeline, success, championVersion);
  if (missed.length > 0) {
    verdict.breached = true;
    verdict.reasons.push(...missed);
  }
  return { referenceDataset: dataset.id, drift, quality, variants, labels: labelWindow, verdict, success, limits: limits.checks };
}

export function createMonitorActivities(deps: ActivityDeps) {
  return {
    /** Idempotent per monitor run: a retried run returns the report it already stored. */
    async computeMonitorWindow(input: MonitorWindowInput): Promise<MonitorWindowResult> {
      // A pipeline that serves nothing (a DAG without rollout) has no window to judge: its sections are asked for only then.
      const pipeline = await definitionOf(deps, input.pipeline);
      const retrainEnabled = pipeline.retrain.enabled;
      const done = await findMonitorReport(deps.db, input.monitorRunId);
      if (done) return fromStored(done, retrainEnabled);
      const deployment = await getDeployment(deps.db, pipeline.name);
      const previous = await lastMonitorReport(deps.db, pipeline.name);
      const from = previous?.toPredictionId ?? 0;
      const to = Math.max(from, await lastPredictionId(deps.db, pipeline.name));
      const base = { fromPredictionId: from, toPredictionId: to, breached: false, reasons: [], reportUri: null, reportHtml: null, retrainEnabled };
      if (!deployment) return { ...base, evaluated: false, notJudged: { code: 'no_deployment', reason: `${pipeline.name} is not deployed` }, rows: 0, modelVersion: 0 };
      const modelVersion = deployment.championVersion;
      const aggFrom = previous?.toAggregateId ?? 0;
      const aggTo = Math.max(aggFrom, await lastAggregateId(deps.db, pipeline.name));
      // The log is read for at most this many answers: enough to tell a window too small, or small enough to judge exactly.
      const cap = Math.max(pipeline.monitor.minRows, pipeline.monitor.drift?.exactRows ?? EXACT_WINDOW_ROWS) + 1;
      const { rows } = await windowRows(deps.db, pipeline.name, modelVersion, { from, to, aggFrom, aggTo }, cap);
      if (rows < pipeline.monitor.minRows) {
        const reason = `only ${rows} rows, fewer than the ${pipeline.monitor.minRows} needed to judge the window`;
        return { ...base, evaluated: false, notJudged: { code: 'too_few_rows', reason }, rows, modelVersion };
      }
      const createdAt = new Date().toISOString();
      const window = { fromPredictionId: from, toPredictionId: to, rows };
      const htmlName = `${pipeline.name}/monitor-${String(from).padStart(8, '0')}-${String(to).padStart(8, '0')}.html`;
      let judged;
      try {
        judged = await judgeWindow(deps, await definitionWith(deps, input.pipeline, ['target', 'features'], 'the monitor'), modelVersion, { from, to, rows, aggFrom, aggTo });
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        // Not judged, stored with its reason: the cursor moves past the window and the schedule goes on.
        const reason = err.message;
        const view: MonitorReportView = { model: pipeline.name, championVersion: modelVersion, window, policy: pipeline.monitor, notJudged: reason, breached: false, reasons: [], createdAt };
        const html = await writeReport(deps.reportsDir, htmlName, renderMonitorHtml(view));
        const report = { ...view, html, judged: false };
        const stored = await deps.artifacts.putJson(report);
        await saveMonitorReport(deps.db, {
          monitorRunId: input.monitorRunId, modelName: pipeline.name, modelVersion, ...window, breached: false, report, uri: stored.uri, judged: false, notJudgedReason: reason, toAggregateId: aggTo,
        });
        return { ...base, evaluated: false, notJudged: { code: 'unjudgeable', reason }, rows, modelVersion, reportUri: stored.uri, reportHtml: html };
      }
      const { verdict } = judged;
      const { suite, basis, histograms } = judged.drift;
      await saveDriftValues(deps.db, input.monitorRunId, pipeline.name, to, [...suite.features, ...(suite.derived ?? []), ...suite.extra].map((f) => ({
        feature: f.feature, method: f.method, value: f.value, threshold: f.threshold, drifted: f.drifted, pValue: f.adjustedPValue ?? f.pValue,
        tests: { ...driftTestValues(f), role: f.role },
      })));
      const trend = trendOf(await recentDriftValues(deps.db, pipeline.name, TREND_WINDOWS));
      const view: MonitorReportView = {
        model: pipeline.name, championVersion: modelVersion, window, policy: pipeline.monitor, driftSuite: suite, driftBasis: basis, trend, histograms,
        quality: judged.quality, variants: judged.variants, limits: judged.limits, labels: judged.labels, breached: verdict.breached, reasons: verdict.reasons, createdAt,
      };
      const html = await writeReport(deps.reportsDir, htmlName, renderMonitorHtml(view));
      const { histograms: _h, ...rest } = view;
      const report = { ...rest, html, judged: true, referenceDataset: judged.referenceDataset, success: judged.success };
      const stored = await deps.artifacts.putJson(report);
      await saveMonitorReport(deps.db, {
        monitorRunId: input.monitorRunId, modelName: pipeline.name, modelVersion, ...window, breached: verdict.breached, report, uri: stored.uri, labelsTo: judged.labels.to,
        toAggregateId: aggTo,
      });
      return { ...base, evaluated: true, notJudged: null, rows, modelVersion, breached: verdict.breached, reasons: verdict.reasons, reportUri: stored.uri, reportHtml: html };
    },
  };
}

