// HTML pieces for the drift suite in a monitor report: the per-column table (a column per registered test) and the recent windows' trend lines (inline SVG).
import type { ColumnDriftResult, DriftSuiteResult } from '../stats/driftMeasure.js';
import { driftTests, driftTestValue, findDriftTest } from '../stats/drift/index.js';

/** Recent windows, oldest first: per column the chosen test's value, and the dataset-drift share. */
export interface DriftTrend {
  windows: { label: string; share: number; values: Record<string, number | null> }[];
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toPrecision(digits));

/** A column judged by a p-value test (its value is compared below alpha) rather than a distance. */
export const judgedByPValue = (c: ColumnDriftResult): boolean => findDriftTest(c.method)?.kind === 'p-value';

function row(c: ColumnDriftResult): string {
  const byP = judgedByPValue(c);
  const value = byP ? `${num(c.value)} <small>(adj. ${num(c.adjustedPValue)})</small>` : num(c.value);
  const tests = driftTests().map((t) => `<td>${t.shown(driftTestValue(c, t)).map((x) => num(x)).join(' / ')}</td>`).join('');
  return (
    `<tr><td>${escape(c.feature)}</td><td>${c.kind}</td><td title="${escape(c.reason)}">${c.method}</td><td class="${c.drifted ? 'bad' : ''}">${value}</td>` +
    `<td>${byP ? '<' : '≥'} ${num(c.threshold)}</td><td class="${c.drifted ? 'bad' : 'ok'}">${c.drifted ? 'drift' : 'no'}</td>` +
    `${tests}<td>${c.currentCount} (${c.currentMissing} missing)</td></tr>`
  );
}

/** The suite's table: each column's method, value, threshold, verdict and every registered test's value. */
export function driftSuiteTable(r: DriftSuiteResult): string {
  const d = r.datasetDrift;
  const head =
    '<tr><th>column</th><th>kind</th><th>method</th><th>value</th><th>threshold</th><th>drifted</th>' +
    `${driftTests().map((t) => `<th>${t.header}</th>`).join('')}<th>current n</th></tr>`;
  const derived = r.derived?.length
    ? `<h3>Derived features</h3><p><small>Computed with the champion's transforms from the raw columns; corrected as their own family; a drifted one is a breach, not counted in the share above.</small></p><table>${head}\n${r.derived.map(row).join('\n')}\n</table>`
    : '';
  const extra = r.extra.length ? `<h3>Predictions and labels</h3><table>${head}\n${r.extra.map(row).join('\n')}\n</table>` : '';
  return (
    `<p class="verdict ${d.drifted ? 'bad' : 'ok'}">Dataset drift: ${d.driftedFeatures.length} of ${r.features.length} features (${(d.share * 100).toFixed(0)}%; threshold ${(d.threshold * 100).toFixed(0)}%)</p>` +
    `<p><small>${escape(r.selection)} Computed ${r.mode === 'exact' ? 'exactly' : 'from the window’s aggregates'}; every value is stored, alert or not.</small></p>` +
    `<table>${head}\n${r.features.map(row).join('\n')}\n</table>${derived}${extra}`
  );
}

/** A small line plot of one series (null: no value that window), with an optional threshold line. */
function sparkline(title: string, values: (number | null)[], threshold?: number): string {
  const width = 220;
  const height = 60;
  const pad = 6;
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return '';
  const max = Math.max(...present, threshold ?? 0, 1e-9);
  const x = (i: number): number => pad + (values.length > 1 ? (i * (width - 2 * pad)) / (values.length - 1) : (width - 2 * pad) / 2);
  const y = (v: number): number => height - pad - (v / max) * (height - 2 * pad);
  const points = values.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter((p) => p !== null);
  const line = threshold === undefined ? '' : `<line x1="${pad}" x2="${width - pad}" y1="${y(threshold).toFixed(1)}" y2="${y(threshold).toFixed(1)}" stroke="#c5221f" stroke-dasharray="3 3"/>`;
  return (
    `<figure><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)} over recent windows">` +
    `${line}<polyline fill="none" stroke="#1a73e8" stroke-width="1.5" points="${points.join(' ')}"/>` +
    `<text x="${width - pad}" y="10" font-size="9" text-anchor="end">max ${num(max, 2)}</text></svg></figure>`
  );
}

/** Trend plots: the dataset-drift share, then each column's chosen value, over the recent windows. */
export function driftTrendPlots(trend: DriftTrend, thresholds: Record<string, number> = {}, shareThreshold?: number): string {
  if (trend.windows.length === 0) return '';
  const columns = [...new Set(trend.windows.flatMap((w) => Object.keys(w.values)))];
  const share = sparkline('dataset drift share', trend.windows.map((w) => w.share), shareThreshold);
  const each = columns.map((c) => sparkline(c, trend.windows.map((w) => w.values[c] ?? null), thresholds[c])).join('');
  const range = `${escape(trend.windows[0].label)} … ${escape(trend.windows[trend.windows.length - 1].label)}`;
  return `<p>${trend.windows.length} windows, ${range}.</p><div class="trend">${share}${each}</div>`;
}
