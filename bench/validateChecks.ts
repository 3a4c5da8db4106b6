// Checks a profile against the table it describes, by brute force: what bench/validate.ts asserts about its answers.
import type { DatasetProfile, NumericStats } from '../lib/data/profile.js';
import type { Table } from '../lib/data/table.js';

/** Rank error the profile's quantiles promise (lib/stats/quantiles.ts: below 0.25 % of the values). */
const RANK_ERROR = 0.0025;
/** HyperLogLog at precision 14 has a standard error of 0.8 %: 5 % is over six of them. */
const HLL_ERROR = 0.05;

function close(a: number | null, b: number, scale: number): boolean {
  return a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b), scale);
}

/** Problems found, one line each (empty when the profile is right). */
export function checkProfile(table: Table, profile: DatasetProfile): string[] {
  const problems: string[] = [];
  table.columns.forEach((c, k) => {
    const s = profile.columns[k];
    const say = (what: string): void => void problems.push(`column ${c.name}: ${what}`);
    if (s.name !== c.name || s.kind !== c.kind) return say(`profiled as ${s.name}:${s.kind}`);
    if (c.kind === 'categorical') {
      const counts = new Map<string, number>();
      let nulls = 0;
      for (const v of c.values) if (v === null) nulls++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
      if (s.nulls !== nulls || s.distinct !== counts.size) say(`nulls ${s.nulls}/${nulls}, distinct ${s.distinct}/${counts.size}`);
      if (s.kind === 'categorical' && s.top.some((t) => counts.get(t.value) !== t.count)) say('a top category count is wrong');
      return;
    }
    const n = s as NumericStats;
    const finite = c.values.filter((v) => Number.isFinite(v)).sort();
    const nulls = c.values.reduce((m, v) => m + (Number.isNaN(v) ? 1 : 0), 0);
    const infinite = c.values.length - nulls - finite.length;
    if (n.nulls !== nulls || n.infinite !== infinite || n.count !== c.values.length - nulls) say(`counts ${n.count}/${n.nulls}/${n.infinite}`);
    if (finite.length === 0) return;
    const mean = finite.reduce((a, v) => a + v, 0) / finite.length;
    const std = Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (finite.length - 1));
    if (n.min !== finite[0] || n.max !== finite[finite.length - 1]) say(`extremes ${n.min}..${n.max}`);
    if (!close(n.mean, mean, std) || !close(n.std, std, std)) say(`mean ${n.mean} (exact ${mean}), std ${n.std} (exact ${std})`);
    if ((n.histogram?.counts ?? []).reduce((a, v) => a + v, 0) !== finite.length) say('histogram counts do not add up to the finite values');
    const slack = RANK_ERROR * finite.length + 1;
    for (const [name, q] of Object.entries(n.quantiles ?? {})) {
      const p = Number(name.slice(1)) / 100;
      const rank = p * (finite.length - 1);
      const below = lowerBound(finite, q);
      const upTo = lowerBound(finite, q, true);
      if (rank < below - 1 - slack || rank > upTo + slack) say(`${name} = ${q} sits at ranks ${below}..${upTo}, wanted ${rank.toFixed(0)} ± ${slack.toFixed(0)}`);
    }
    let distinct = finite.length > 0 ? 1 : 0;
    for (let i = 1; i < finite.length; i++) if (finite[i] !== finite[i - 1]) distinct++;
    distinct += new Set(c.values.filter((v) => v === Infinity || v === -Infinity)).size;
    const off = Math.abs(n.distinct - distinct) / distinct;
    if (n.distinctEstimated ? off > HLL_ERROR : off !== 0) say(`distinct ${n.distinct}${n.distinctEstimated ? ' (estimated)' : ''}, exact ${distinct}`);
  });
  return problems;
}

/** Number of sorted values below x (or at most x). */
function lowerBound(sorted: Float64Array, x: number, inclusive = false): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (sorted[m] < x || (inclusive && sorted[m] === x)) a = m + 1;
    else b = m;
  }
  return a;
}
