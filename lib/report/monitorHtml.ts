// The monitor window report as one self-contained HTML page: verdict, per-feature drift, histograms (inline SVG).
import type { FeatureDrift } from '../stats/drift.js';
import type { HistogramPair } from '../stats/histogram.js';

/** Quality of a window's labelled rows: accuracy for a classifier, RMSE and MAE for a regressor. */
export type WindowQuality =
  | { task?: 'classification'; labelledRows: number; accuracy: number | null; championHoldoutAccuracy: number | null }
  | { task: 'regression'; labelledRows: number; rmse: number | null; mae: number | null; championHoldoutRmse: number | null };

export interface MonitorReportView {
  model: string;
  championVersion: number;
  window: { fromPredictionId: number; toPredictionId: number; rows: number };
  policy: { psiThreshold: number; ksPValueThreshold: number; minRows: number; maxAccuracyDrop: number; maxRmseIncrease?: number };
  drift: FeatureDrift[];
  histograms: HistogramPair[];
  quality: WindowQuality;
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

export function renderMonitorHtml(r: MonitorReportView): string {
  const rows = r.drift
    .map((d) => {
      const psiBad = d.psi > r.policy.psiThreshold;
      const ksBad = d.ks !== undefined && d.ks.pValue < r.policy.ksPValueThreshold;
      return (
        `<tr><td>${escape(d.feature)}</td><td>${d.kind}</td><td class="${psiBad ? 'bad' : ''}">${num(d.psi)}</td>` +
        `<td>${num(d.ks?.statistic)}</td><td class="${ksBad ? 'bad' : ''}">${num(d.ks?.pValue)}</td>` +
        `<td>${d.referenceCount}</td><td>${d.currentCount}</td></tr>`
      );
    })
    .join('\n');
  const plots = r.histograms.map((h) => `<section><h3>${escape(h.feature)}</h3>${histogramSvg(h)}</section>`).join('\n');
  const verdict = r.breached
    ? `<p class="verdict bad">Breach</p><ul>${r.reasons.map((x) => `<li>${escape(x)}</li>`).join('')}</ul>`
    : `<p class="verdict ok">Within policy</p>${r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${escape(x)}</li>`).join('')}</ul>` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlcycle monitor — ${escape(r.model)} (${r.window.fromPredictionId}, ${r.window.toPredictionId}]</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:64rem;color:#202124}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#c5221f;font-weight:600}.ok{color:#188038;font-weight:600}
.verdict{font-size:1.3rem}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
section{display:inline-block;margin:0 1rem 1rem 0}
</style></head><body>
<h1>Monitor report: ${escape(r.model)} (champion v${r.championVersion})</h1>
<p>Window of logged requests (${r.window.fromPredictionId}, ${r.window.toPredictionId}]: ${r.window.rows} rows, written ${escape(r.createdAt)}.</p>
${verdict}
<h2>Quality</h2>
<p>${qualityLine(r.quality, r.policy)}</p>
<h2>Feature drift against the training data</h2>
<p>Policy: PSI &gt; ${r.policy.psiThreshold} or KS p-value &lt; ${r.policy.ksPValueThreshold} breaches; at least ${r.policy.minRows} rows.</p>
<table><tr><th>feature</th><th>kind</th><th>PSI</th><th>KS D</th><th>KS p-value</th><th>reference n</th><th>current n</th></tr>
${rows}
</table>
<h2>Distributions</h2>
<p class="legend"><span style="background:#9aa0a6"></span>training data<span style="background:#1a73e8"></span>this window</p>
${plots}
</body></html>
`;
}
