// The monitor report's classification metrics: per variant, the registry's overall values and a small table per class; limits.
import { CLASS_METRICS } from '../stats/classMetrics/index.js';
import type { MetricEstimate } from '../stats/classMetrics/report.js';
import type { LimitCheck } from '../stats/metricLimits.js';
import type { VariantQuality } from '../stats/quality.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toPrecision(3));

/** A value with its interval, or "–" with why it is undefined (as a tooltip and in words). */
function cell(e: MetricEstimate | undefined): string {
  if (!e) return '<td>–</td>';
  if (e.value === null) return `<td title="${escape(e.reason ?? '')}">– <small>(${escape(e.reason ?? 'undefined')})</small></td>`;
  const i = e.interval;
  return `<td>${num(e.value)}${i ? ` <small>[${num(i.lower)}, ${num(i.upper)}]</small>` : ''}</td>`;
}

/** Per variant with classification metrics: one row of overall values (macro for per-class metrics), then one row per class. */
export function perClassTables(variants: readonly VariantQuality[]): string {
  const perClass = CLASS_METRICS.filter((m) => m.scope === 'perClass');
  const parts = variants.filter((v) => v.classification).map((v) => {
    const r = v.classification!;
    const overall = `<table class="class-metrics"><tr>${CLASS_METRICS.map((m) => `<th>${m.scope === 'perClass' ? `macro ${escape(m.label)}` : escape(m.label)}</th>`).join('')}</tr>` +
      `<tr>${CLASS_METRICS.map((m) => cell(r.overall[m.name])).join('')}</tr></table>`;
    const rows = r.perClass.map((c) => `<tr><td>${escape(c.class)}</td><td>${c.labelled}</td><td>${c.predicted}</td>${perClass.map((m) => cell(c.metrics[m.name])).join('')}</tr>`).join('\n');
    const table = `<table class="per-class"><tr><th>class</th><th>labelled</th><th>predicted</th>${perClass.map((m) => `<th>${escape(m.label)}</th>`).join('')}</tr>\n${rows}\n</table>`;
    return `<h3>${v.variant} v${v.version}: ${r.rows} labelled answers</h3>\n${overall}\n${table}`;
  });
  if (parts.length === 0) return '';
  return `<h2>Classification metrics per variant and class</h2>\n<p>95% intervals in brackets; "–" where a metric is undefined on the window's answers, with why.</p>\n${parts.join('\n')}\n`;
}

/** monitor.quality's limits on the champion's metrics: value, limit, and within / outside / not computable. */
export function limitsTable(limits: readonly LimitCheck[]): string {
  if (limits.length === 0) return '';
  const rows = limits.map((l) => {
    const state = l.value === null ? `<td>not computable: ${escape(l.undefinedReason ?? '')}</td>` : l.ok ? '<td class="ok">within</td>' : '<td class="bad">outside</td>';
    return `<tr><td>${escape(l.limit)}</td><td>${num(l.value)}</td>${state}</tr>`;
  }).join('\n');
  return `<h3>monitor.quality limits (champion)</h3>\n<table class="limits"><tr><th>limit</th><th>value</th><th>judged</th></tr>\n${rows}\n</table>\n`;
}
