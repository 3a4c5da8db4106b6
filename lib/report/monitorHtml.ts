// The monitor window report as one self-contained HTML page: verdict, quality per variant, drift, histograms (inline SVG).
import type { HistogramPair } from '../stats/histogram.js';
import type { Estimate } from '../stats/intervals.js';
import type { VariantQuality } from '../stats/quality.js';
import type { LimitCheck } from '../stats/metricLimits.js';
import { limitsTable, perClassTables } from './classMetricsHtml.js';
import type { DriftSuiteResult } from '../stats/driftMeasure.js';
import { driftSuiteTable, driftTrendPlots, judgedByPValue, type DriftTrend } from './driftSuiteHtml.js';

export type { DriftTrend } from './driftSuiteHtml.js';

/** Quality of a window's labelled rows: accuracy for a classifier, RMSE and MAE for a regressor. */
export type WindowQuality =
  | { task?: 'classification'; labelledRows: number; accuracy: number | null; championHoldoutAccuracy: number | null }
  | { task: 'regression'; labelledRows: number; rmse: number | null; mae: number | null; championHoldoutRmse: number | null };

export interface MonitorReportView {
  model: string;
  championVersion: number;
  window: { fromPredictionId: number; toPredictionId: number; rows: number };
  policy: { psiThreshold: number; ksPValueThreshold: number; minRows: number; maxAccuracyDrop: number; maxRmseIncrease?: number };
  /** The full drift suite of the window (every test's value per column). */
  driftSuite?: DriftSuiteResult;
  /** How the window's drift was measured (aggregates, or exactly on how many rows). */
  driftBasis?: string;
  /** Recent windows' chosen values and dataset-drift share, for the trend plots. */
  trend?: DriftTrend;
  histograms?: HistogramPair[];
  quality?: WindowQuality;
  variants?: VariantQuality[];
  /** monitor.quality's limits on the champion's classification metrics, as judged. */
  limits?: LimitCheck[];
  /** The label-time window the quality counts: labels created in (after, to]. */
  labels?: { after: string | null; to: string | null; rule: string };
  notJudged?: string;
  breached: boolean;
  reasons: string[];
  createdAt: string;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toPrecision(digits));

/** Grouped bars: reference (grey) and current (blue) share per bin. */
function histogramSvg(h: HistogramPair): string {
  const width = 560;
  const height = 160;
  const pad = 24;
  const n = h.bins.length;
  if (n === 0) return '<p>no values</p>';
  const max = Math.max(...h.reference, ...h.current, 1e-9);
  const slot = (width - 2 * pad) / n;
  const bar = Math.max(1, slot / 2 - 1);
  const y = (v: number): number => height - pad - (v / max) * (height - 2 * pad);
  const bars = h.bins
    .map((label, i) => {
      const x = pad + i * slot;
      const title = `${escape(label)}: reference ${(h.reference[i] * 100).toFixed(1)}%, current ${(h.current[i] * 100).toFixed(1)}%`;
      return (
        `<g><title>${title}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y(h.reference[i]).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - pad - y(h.reference[i])).toFixed(1)}" fill="#9aa0a6"/>` +
        `<rect x="${(x + bar + 1).toFixed(1)}" y="${y(h.current[i]).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - pad - y(h.current[i])).toFixed(1)}" fill="#1a73e8"/></g>`
      );
    })
    .join('');
  const first = escape(h.bins[0]);
  const last = escape(h.bins[n - 1]);
  return (
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="histogram of ${escape(h.feature)}">` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#444"/>${bars}` +
    `<text x="${pad}" y="${height - 6}" font-size="10">${first}</text>` +
    `<text x="${width - pad}" y="${height - 6}" font-size="10" text-anchor="end">${last}</text></svg>`
  );
}

function qualityLine(q: WindowQuality, policy: MonitorReportView['policy']): string {
  if (q.task === 'regression') {
    const allowed = policy.maxRmseIncrease === undefined ? '' : `; allowed increase ${(policy.maxRmseIncrease * 100).toFixed(0)}%`;
    return `Labelled rows: ${q.labelledRows}; RMSE ${num(q.rmse)}, MAE ${num(q.mae)} (champion's holdout RMSE ${num(q.championHoldoutRmse)}${allowed}).`;
  }
  return `Labelled rows: ${q.labelledRows}; accuracy ${num(q.accuracy)} (champion's holdout accuracy ${num(q.championHoldoutAccuracy)}; allowed drop ${policy.maxAccuracyDrop}).`;
}

const interval = (e: Estimate | null): string => (e === null ? '–' : `${num(e.value)} <small>[${num(e.lower)}, ${num(e.upper)}]</small>`);

function variantTable(r: MonitorReportView): string {
  const variants = r.variants ?? [];
  if (variants.length === 0) return '<p>No labelled answers in this window.</p>';
  const regression = r.quality?.task === 'regression';
  const head = regression ? '<th>RMSE [95%]</th><th>MAE [95%]</th>' : '<th>accuracy [95% Wilson]</th><th>macro-F1 [95% bootstrap]</th>';
  const body = variants
    .map((v) => `<tr><td>${v.variant}</td><td>v${v.version}</td><td>${v.labelledRows}</td>` + (regression ? `<td>${interval(v.rmse)}</td><td>${interval(v.mae)}</td>` : `<td>${interval(v.accuracy)}</td><td>${interval(v.macroF1)}</td>`) + '</tr>')
    .join('\n');
  return `<table><tr><th>variant</th><th>version</th><th>labelled rows</th>${head}</tr>\n${body}\n</table>`;
}

function page(r: MonitorReportView, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlcycle monitor — ${escape(r.model)} (${r.window.fromPredictionId}, ${r.window.toPredictionId}]</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:64rem;color:#202124}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#c5221f;font-weight:600}.ok{color:#188038;font-weight:600}
.verdict{font-size:1.3rem}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
section{display:inline-block;margin:0 1rem 1rem 0}
figure{display:inline-block;margin:0 1rem 1rem 0}figcaption{font-size:12px}
</style></head><body>
<h1>Monitor report: ${escape(r.model)} (champion v${r.championVersion})</h1>
<p>Window of logged requests (${r.window.fromPredictionId}, ${r.window.toPredictionId}]: ${r.window.rows} rows, written ${escape(r.createdAt)}.</p>
${body}
</body></html>
`;
}

export function renderMonitorHtml(r: MonitorReportView): string {
  if (r.notJudged !== undefined) {
    return page(r, `<p class="verdict bad">Not judged</p><p>${escape(r.notJudged)}</p><p>The window is stored as not judged; the next window starts after it.</p>`);
  }
  const plots = (r.histograms ?? []).map((h) => `<section><h3>${escape(h.feature)}</h3>${histogramSvg(h)}</section>`).join('\n');
  const list = r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${escape(x)}</li>`).join('')}</ul>` : '';
  const verdict = r.breached ? `<p class="verdict bad">Breach</p>${list}` : `<p class="verdict ok">Within policy</p>${list}`;
  const suite = r.driftSuite ? driftSuiteTable(r.driftSuite) : '';
  const thresholds = Object.fromEntries([...(r.driftSuite?.features ?? []), ...(r.driftSuite?.extra ?? [])].filter((c) => !judgedByPValue(c)).map((c) => [c.feature, c.threshold]));
  const trend = r.trend ? `<h2>Drift over recent windows</h2>\n${driftTrendPlots(r.trend, thresholds, r.driftSuite?.datasetDrift.threshold)}` : '';
  const labels = r.labels ? ` Labels counted: those that arrived after ${escape(r.labels.after ?? 'the start')} up to ${escape(r.labels.to ?? '–')} (${escape(r.labels.rule)}).` : '';
  return page(
    r,
    `${verdict}
<h2>Quality</h2>
<p>${r.quality ? qualityLine(r.quality, r.policy) : ''}</p>
<p>The breach rule judges the champion's answers; every variant's answers by version, with 95% intervals:${labels}</p>
${variantTable(r)}
${limitsTable(r.limits ?? [])}${perClassTables(r.variants ?? [])}
<h2>Feature drift against the training data</h2>
${r.driftBasis ? `<p>Measured ${escape(r.driftBasis)}.</p>` : ''}${suite}
${trend}<h2>Distributions</h2>
<p class="legend"><span style="background:#9aa0a6"></span>training data<span style="background:#1a73e8"></span>this window</p>
${plots}`,
  );
}
