// The model card as one self-contained, readable HTML page: purpose, signature, metrics with intervals, lineage, trials (inline SVG), package.
import type { ModelCard, TrialSummary } from './modelCard.js';

export interface ModelCardHtmlExtras {
  /** Registry version, shown in the title. */
  version?: number;
  /** Trials listed (best first); the rest are counted. Default 50. */
  maxTrials?: number;
  /** Whether a lower CV score is better; inferred from the primary metric's name when absent (loss, error, rmse, mae). */
  lowerIsBetter?: boolean;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A readable number: integers as they are, others to 4 significant digits; NaN / ±∞ spelled out. */
function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/** Hyperparameter values are shown exactly, since they are what a rerun needs. */
const exact = (v: number | string): string => esc(String(v));

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const lowerBetter = (metric: string): boolean => /loss|error|rmse|mae|mse/i.test(metric);

/** Trials best first; trials without a finite score go last, in their original order. */
export function rankTrials(trials: TrialSummary[], lowerIsBetter: boolean): TrialSummary[] {
  const sign = lowerIsBetter ? 1 : -1;
  return trials
    .map((t, i) => ({ t, i }))
    .sort((a, b) => {
      const fa = Number.isFinite(a.t.cvScore);
      const fb = Number.isFinite(b.t.cvScore);
      if (fa !== fb) return fa ? -1 : 1;
      return (fa ? sign * (a.t.cvScore - b.t.cvScore) : 0) || a.i - b.i;
    })
    .map((x) => x.t);
}

/** Horizontal bars of CV scores, one per trial in the given order; the best bar is highlighted. */
function scoresSvg(trials: TrialSummary[]): string {
  const finite = trials.map((t) => t.cvScore).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '<p>No trial has a score.</p>';
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  const label = 130;
  const barMax = 300;
  const rowH = 16;
  const width = label + barMax + 70;
  const height = trials.length * rowH + 4;
  const bars = trials
    .map((t, i) => {
      const y = i * rowH + 2;
      const w = Number.isFinite(t.cvScore) ? ((t.cvScore - lo) / span) * barMax : 0;
      const id = t.trialId.length > 20 ? `${t.trialId.slice(0, 19)}…` : t.trialId;
      return (
        `<g><title>${esc(t.trialId)}: ${fmt(t.cvScore)}</title>` +
        `<text x="${label - 6}" y="${y + 11}" font-size="11" text-anchor="end">${esc(id)}</text>` +
        `<rect x="${label}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${i === 0 ? '#188038' : '#1a73e8'}"/>` +
        `<text x="${(label + w + 4).toFixed(1)}" y="${y + 11}" font-size="11">${fmt(t.cvScore)}</text></g>`
      );
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="cross-validation score per trial">${bars}</svg>`;
}

function trialsSection(card: ModelCard, extras: ModelCardHtmlExtras): string {
  if (card.trials.length === 0) return '<p>No search trials were recorded.</p>';
  const lower = extras.lowerIsBetter ?? lowerBetter(card.primaryMetric);
  const ranked = rankTrials(card.trials, lower);
  const shown = ranked.slice(0, Math.max(1, extras.maxTrials ?? 50));
  const keys = [...new Set(shown.flatMap((t) => Object.keys(t.params)))].sort();
  const rows = shown.map((t, i) => [
    String(i + 1), esc(t.trialId), fmt(t.cvScore), ...keys.map((k) => (k in t.params ? exact(t.params[k]) : '–')),
  ]);
  const more = ranked.length > shown.length ? `<p>… and ${ranked.length - shown.length} more trials.</p>` : '';
  return (
    `<p>${card.trials.length} trials, best first by cross-validated ${esc(card.primaryMetric)} (${lower ? 'lower' : 'higher'} is better).</p>\n` +
    `${scoresSvg(shown)}\n${table(['#', 'trial', 'CV score', ...keys.map(esc)], rows, 'num')}\n${more}`
  );
}

function metricsSection(card: ModelCard): string {
  const names = Object.keys(card.metrics).sort((a, b) => Number(b === card.primaryMetric) - Number(a === card.primaryMetric));
  if (names.length === 0) return '<p>No holdout metrics were recorded.</p>';
  const rows = names.map((m) => {
    const ci = card.metricIntervals?.[m];
    const interval = ci ? `${fmt(ci.lower)} – ${fmt(ci.upper)}${ci.level !== undefined ? ` (${fmt(ci.level * 100)}%)` : ''}` : '–';
    return [`${esc(m)}${m === card.primaryMetric ? ' <strong>(primary)</strong>' : ''}`, fmt(card.metrics[m]), interval];
  });
  return table(['metric', 'holdout value', 'confidence interval'], rows, 'num');
}

function lineageSection(card: ModelCard): string {
  const trained = `<p>Trained on dataset <code>${esc(card.dataset.id)}</code> (${fmt(card.dataset.rows)} rows, from ${esc(card.dataset.source)}).</p>`;
  const lineage = card.lineage ?? [];
  if (lineage.length === 0) return `${trained}\n<p>No content hashes were recorded.</p>`;
  const rows = lineage.map((d) => [
    esc(d.role ?? '–'), `<code>${esc(d.id)}</code>`, `<code>${esc(d.sha256)}</code>`, fmt(d.rows), esc(d.source ?? d.uri ?? '–'),
  ]);
  return `${trained}\n${table(['role', 'dataset', 'sha256', 'rows', 'source'], rows)}`;
}

/** The parity check: its measure, value and tolerance (older cards: max |Δp| only). */
function paritySection(card: ModelCard): string {
  const p = card.onnx.parity;
  const value = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : fmt(v));
  const legacy = card.onnx.parityMaxAbsDiff;
  if (!p && typeof legacy !== 'number') return '<dt>parity</dt><dd>not applicable: imported, no trainer to compare with</dd>';
  if (!p) return `<dt>parity (max |Δp|)</dt><dd>${value(legacy as number)}</dd>`;
  const measure = p.measure === 'maxRelativeDiff' ? 'max relative difference' : 'max |Δp|';
  return `<dt>parity (${esc(measure)}, ${fmt(p.rows)} holdout rows)</dt><dd>${value(p.value)} (tolerance ${value(p.tolerance)})</dd>`;
}

/** The whole page. Every string from the card is HTML-escaped. */
/** Derived features: each transform, its learned statistics and the ONNX nodes it became. */
function transformsSection(card: ModelCard): string {
  const t = card.transforms;
  if (!t) return '';
  const rows = t.transforms.map((x) => [
    `<code>${esc(x.outputs.join(', '))}</code>`, `<code>${esc(x.definition)}</code>`,
    x.statistics ? esc(JSON.stringify(x.statistics)) : '—', esc(x.onnx),
  ]);
  return `<section id="transforms"><h2>Transforms</h2><p>Computed by ${esc(t.computedBy)}; served as ${esc(t.servedBy)}, from the raw columns ${t.inputs.map((i) => `<code>${esc(i)}</code>`).join(', ')}.</p>
${table(['derived', 'definition', 'learned statistics', 'ONNX'], rows)}</section>`;
}

export function renderModelCardHtml(card: ModelCard, extras: ModelCardHtmlExtras = {}): string {
  const title = `${esc(card.name)}${extras.version !== undefined ? ` v${fmt(extras.version)}` : ''}`;
  const sig = card.signature;
  const inputs = table(['input', 'kind'], sig.inputs.map((f) => [esc(f.name), esc(f.kind)]));
  const classes = sig.classes.length
    ? `<p>Classes (probability order): ${sig.classes.map((c) => `<code>${esc(c)}</code>`).join(', ')}</p>`
    : sig.task === 'regression' ? `<p>Predicts a number: <code>${esc(sig.target)}</code> (output <code>prediction</code>).</p>` : '';
  const hyper = Object.keys(card.hyperparameters).sort().map((k) => [esc(k), exact(card.hyperparameters[k])]);
  const libs = Object.keys(card.libraries).sort().map((k) => [esc(k), esc(card.libraries[k])]);
  const latency = card.latencyMs
    ? table(['batch size', 'ms per call', 'µs per row'], [
      ['1', fmt(card.latencyMs.batch1), fmt(card.latencyMs.batch1 * 1000)],
      ['1,024', fmt(card.latencyMs.batch1024), fmt((card.latencyMs.batch1024 * 1000) / 1024)],
    ], 'num')
    : '<p>Not measured.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlcycle model card — ${title}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:64rem;color:#202124}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
table.num td+td,table.num th+th{text-align:right}code{font-size:12px;word-break:break-all}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#5f6368}
</style></head><body>
<h1>Model card: ${title}</h1>
<dl><dt>algorithm</dt><dd>${esc(card.algorithm)}</dd><dt>run</dt><dd><code>${esc(card.runId)}</code></dd><dt>created</dt><dd>${esc(card.createdAt)}</dd></dl>
<section id="purpose"><h2>Purpose</h2><p>${esc(card.purpose)}</p></section>
<section id="signature"><h2>Input signature</h2><p>Target: <code>${esc(sig.target)}</code></p>
${inputs}
${classes}</section>
${transformsSection(card)}
<section id="metrics"><h2>Metrics (holdout)</h2>
${metricsSection(card)}</section>
<section id="lineage"><h2>Training data lineage</h2>
${lineageSection(card)}</section>
<section id="hyperparameters"><h2>Hyperparameters</h2>
${hyper.length ? table(['name', 'value'], hyper) : '<p>None.</p>'}</section>
<section id="trials"><h2>Search trials</h2>
${trialsSection(card, extras)}</section>
<section id="libraries"><h2>Library versions</h2>
${libs.length ? table(['library', 'version'], libs) : '<p>None recorded.</p>'}</section>
<section id="package"><h2>Package</h2>
<dl><dt>ONNX sha256</dt><dd><code>${esc(card.onnx.sha256)}</code></dd><dt>size</dt><dd>${fmt(card.onnx.bytes)} bytes</dd>
${paritySection(card)}</dl></section>
<section id="latency"><h2>Latency</h2>
${latency}</section>
</body></html>
`;
}
