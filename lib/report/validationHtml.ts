// The validation report as one self-contained HTML page: verdict, failed checks with sample rows, skew, statistics, histograms.
import type { FullValidationReport } from '../checks/suite.js';
import type { SampleRow } from '../checks/expectations.js';
import type { SkewBins } from '../checks/skew.js';
import type { ColumnStats, DatasetProfile, NumericStats } from '../data/profile.js';
import { rebinCounts } from '../stats/bins.js';

export interface ValidationHtmlOptions {
  title?: string;
  /** The reference data's profile: its histograms are drawn next to the current data's. */
  referenceProfile?: DatasetProfile;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : esc(String(Number(x.toPrecision(4)))));
const pct = (x: number): string => `${Number((x * 100).toPrecision(3))}%`;
const cell = (v: string | number | null): string => (v === null ? '<span class="null">null</span>' : esc(String(v)));

function value(x: number | null, s: ColumnStats): string {
  if (x === null) return '–';
  return s.kind === 'date' ? esc(new Date(x).toISOString().replace('T00:00:00.000Z', '')) : num(x);
}

/** Bars per bin: reference (grey) beside current (blue); current alone without a reference. */
function histogramSvg(name: string, bins: SkewBins, withReference: boolean): string {
  const width = 520;
  const height = 150;
  const pad = 22;
  const n = bins.labels.length;
  if (n === 0) return '<p class="muted">no values</p>';
  const max = Math.max(1e-12, ...bins.current, ...(withReference ? bins.reference : []));
  const slot = (width - 2 * pad) / n;
  const bar = withReference ? Math.max(1, slot / 2 - 1) : Math.max(1, slot - 2);
  const top = (v: number): number => height - pad - (v / max) * (height - 2 * pad);
  const rect = (x: number, v: number, fill: string): string =>
    `<rect x="${x.toFixed(1)}" y="${top(v).toFixed(1)}" width="${bar.toFixed(1)}" height="${(height - pad - top(v)).toFixed(1)}" fill="${fill}"/>`;
  const bars = bins.labels.map((label, i) => {
    const x = pad + i * slot;
    const tip = `${esc(label)}: ${withReference ? `reference ${pct(bins.reference[i])}, ` : ''}current ${pct(bins.current[i])}`;
    return `<g><title>${tip}</title>${withReference ? rect(x, bins.reference[i], '#9aa0a6') : ''}${rect(withReference ? x + bar + 1 : x, bins.current[i], '#1a73e8')}</g>`;
  });
  return (
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="distribution of ${esc(name)}">` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#444"/>${bars.join('')}` +
    `<text x="${pad}" y="${height - 6}" font-size="10">${esc(bins.labels[0])}</text>` +
    `<text x="${width - pad}" y="${height - 6}" font-size="10" text-anchor="end">${esc(bins.labels[n - 1])}</text></svg>`
  );
}

/** Bins of one column: from the skew check when it ran, else from the two profiles (or the current one alone). */
function binsFor(cur: ColumnStats, ref: ColumnStats | undefined): { bins: SkewBins; withReference: boolean } {
  const shares = (xs: readonly number[]): number[] => {
    const total = xs.reduce((s, x) => s + x, 0);
    return xs.map((x) => (total ? x / total : 0));
  };
  if (cur.kind === 'categorical') {
    const list = cur.domain ?? cur.top;
    const refList = ref && ref.kind === 'categorical' ? (ref.domain ?? ref.top) : null;
    const labels = list.slice(0, 20).map((c) => c.value);
    const current = list.slice(0, 20).map((c) => (cur.count ? c.count / cur.count : 0));
    const reference = labels.map((l) => {
      const hit = refList?.find((c) => c.value === l);
      return hit && ref ? hit.count / ref.count : 0;
    });
    return { bins: { labels, reference, current }, withReference: refList !== null };
  }
  const refHist = ref && ref.kind === cur.kind ? (ref as NumericStats).histogram : null;
  const hist = refHist ?? cur.histogram;
  if (!hist || !cur.histogram) return { bins: { labels: [], reference: [], current: [] }, withReference: false };
  const counts = refHist ? Array.from(rebinCounts(cur.histogram, refHist.edges)).slice(1, -1) : cur.histogram.counts;
  const labels = hist.counts.map((_, k) => `${value(hist.edges[k], cur)} to ${value(hist.edges[k + 1], cur)}`);
  return { bins: { labels, reference: refHist ? shares(refHist.counts) : [], current: shares(counts) }, withReference: refHist !== null };
}

function sampleTable(rows: SampleRow[]): string {
  if (rows.length === 0) return '';
  const names = Object.keys(rows[0].values);
  const head = `<tr><th>row</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr><td>${r.row}</td>${names.map((n) => `<td>${cell(r.values[n] ?? null)}</td>`).join('')}</tr>`).join('');
  return `<table class="sample">${head}${body}</table>`;
}

function failedChecks(r: FullValidationReport): string {
  const items: string[] = [];
  const badge = (sev: string, quarantined?: boolean): string =>
    `<span class="${sev === 'error' ? 'bad' : 'warn'}">${sev.toUpperCase()}</span>${quarantined ? ' <span class="muted">(rows quarantined)</span>' : ''}`;
  for (const i of r.schema?.issues ?? []) {
    const rows = i.rows?.length ? `<p class="muted">rows ${i.rows.join(', ')}${i.failingRows > i.rows.length ? ', …' : ''}; values ${i.sample.map((v) => cell(v)).join(', ')}</p>` : '';
    items.push(`<li>${badge(i.severity, i.quarantined)} <b>schema: ${esc(i.check)}${i.column ? ` — ${esc(i.column)}` : ''}</b><br>${esc(i.message)}${rows}</li>`);
  }
  for (const e of r.expectations.filter((x) => !x.passed)) {
    const rows = e.failingRows > 0 ? ` — ${e.failingRows} failing row${e.failingRows === 1 ? '' : 's'}` : '';
    items.push(`<li>${badge(e.severity, e.quarantined)} <b>${esc(e.id)}</b>${rows}<br>${esc(e.message)}${sampleTable(e.sampleRows)}</li>`);
  }
  for (const s of r.skew.filter((x) => !x.passed)) items.push(`<li>${badge(s.severity)} <b>skew: ${esc(s.column)}</b><br>${esc(s.message)}</li>`);
  // Errors first, in check order.
  const ordered = [...items.filter((i) => i.startsWith('<li><span class="bad">')), ...items.filter((i) => !i.startsWith('<li><span class="bad">'))];
  return ordered.length ? `<ul class="checks">${ordered.join('\n')}</ul>` : '<p class="ok">Every check passed.</p>';
}

function statsTable(p: DatasetProfile): string {
  const rows = p.columns.map((s) => {
    const distinct = `${s.distinctEstimated ? '≈' : ''}${s.distinct}`;
    if (s.kind === 'categorical') {
      const top = s.top.slice(0, 3).map((c) => `${esc(c.value)} (${c.count})`).join(', ');
      return `<tr><td>${esc(s.name)}</td><td>${s.kind}</td><td>${s.count}</td><td>${s.nulls}</td><td>${distinct}</td><td colspan="7" class="left">${top}</td></tr>`;
    }
    const q = s.quantiles;
    return `<tr><td>${esc(s.name)}</td><td>${s.kind}</td><td>${s.count}</td><td>${s.nulls}</td><td>${distinct}</td>` +
      `<td>${value(s.min, s)}</td><td>${value(q?.p25 ?? null, s)}</td><td>${value(q?.p50 ?? null, s)}</td><td>${value(q?.p75 ?? null, s)}</td>` +
      `<td>${value(s.max, s)}</td><td>${s.kind === 'date' ? '–' : num(s.mean)}</td><td>${s.kind === 'date' ? '–' : num(s.std)}</td></tr>`;
  });
  return `<table><tr><th>column</th><th>kind</th><th>values</th><th>nulls</th><th>distinct</th><th>min</th><th>p25</th><th>median</th><th>p75</th><th>max</th><th>mean</th><th>std</th></tr>\n${rows.join('\n')}</table>`;
}

export function renderValidationHtml(r: FullValidationReport, opts: ValidationHtmlOptions = {}): string {
  const title = opts.title ?? `Validation report: ${r.source}`;
  const { errors, warnings, passed } = r.counts;
  const q = r.quarantine;
  const quarantine = q && q.rows > 0
    ? `<p>${q.applied ? 'Quarantined' : 'Not quarantined (too many)'}: ${q.rows} rows (${pct(q.fraction)}; at most ${pct(q.maxFraction)} allowed) failing ${q.checks.map(esc).join(', ')}.</p>`
    : '';
  const changes = r.schema?.changes.length
    ? `<h2>Schema changes</h2><table><tr><th>column</th><th>change</th><th>severity</th><th>detail</th></tr>${r.schema.changes
        .map((c) => `<tr><td>${esc(c.column)}</td><td>${esc(c.change)}</td><td class="${c.severity === 'error' ? 'bad' : 'warn'}">${c.severity}</td><td class="left">${esc(c.message)}</td></tr>`).join('')}</table>`
    : '';
  const skew = r.skew.length
    ? `<h2>Skew against the reference</h2><table><tr><th>column</th><th>measure</th><th>distance</th><th>threshold</th><th>result</th><th>detail</th></tr>${r.skew
        .map((s) => `<tr><td>${esc(s.column)}</td><td>${s.measure === 'jensen_shannon' ? 'Jensen–Shannon' : 'L-infinity'}</td><td>${num(s.distance)}</td><td>${num(s.threshold)}</td>` +
          `<td class="${s.passed ? 'ok' : s.severity === 'error' ? 'bad' : 'warn'}">${s.passed ? 'ok' : s.severity}</td><td class="left">${esc(s.message)}</td></tr>`).join('')}</table>`
    : '';
  const skewBins = new Map(r.skew.filter((s) => s.bins.labels.length).map((s) => [s.column, s.bins]));
  const refCols = new Map((opts.referenceProfile?.columns ?? []).map((c) => [c.name, c]));
  const plots = r.profile.columns.map((c) => {
    const fromSkew = skewBins.get(c.name);
    const { bins, withReference } = fromSkew ? { bins: fromSkew, withReference: true } : binsFor(c, refCols.get(c.name));
    return `<section><h3>${esc(c.name)}</h3>${histogramSvg(c.name, bins, withReference)}</section>`;
  });
  const hasReference = skewBins.size > 0 || refCols.size > 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:72rem;color:#202124}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child,.left{text-align:left}.bad{color:#c5221f;font-weight:600}.warn{color:#b06000;font-weight:600}
.ok{color:#188038;font-weight:600}.muted,.null{color:#80868b}.verdict{font-size:1.3rem}
.checks li{margin-bottom:.8rem}.sample{font-size:12px}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
section{display:inline-block;margin:0 1rem 1rem 0;vertical-align:top}h3{margin:.2rem 0}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="verdict ${r.ok ? 'ok' : 'bad'}">${r.ok ? 'Passed' : 'Failed'}</p>
<p>${esc(r.source)}: ${r.rows} rows × ${r.columns} columns. ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${passed} checks passed.</p>
${quarantine}
<h2>Failed checks</h2>
${failedChecks(r)}
${changes}
${skew}
<h2>Columns</h2>
${statsTable(r.profile)}
<h2>Distributions</h2>
${hasReference ? '<p class="legend"><span style="background:#9aa0a6"></span>reference<span style="background:#1a73e8"></span>current</p>' : ''}
${plots.join('\n')}
</body></html>
`;
}
