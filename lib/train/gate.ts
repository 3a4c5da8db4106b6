// The gate a candidate must pass to be deployed: a bound on the primary metric and a margin over the champion.
import { improvement, METRICS, type MetricName } from './scores.js';

export interface GateConfig {
  metric: MetricName;
  /** Floor of a higher-is-better metric. */
  minimum?: number;
  /** Ceiling of a lower-is-better metric. */
  maximum?: number;
  /** The candidate must beat the champion, on the same holdout, by at least this much (default 0: not worse). */
  minImprovement?: number;
}

export interface GateDecision {
  blessed: boolean;
  reason: string;
}

const f = (x: number): string => x.toFixed(4);

/**
 * Fails closed: no gate, no bound for the metric's direction, a non-finite score, or a champion
 * that cannot be beaten by the margin → not blessed.
 */
export function decideGate(gate: GateConfig | undefined, candidate: number, champion: { version: number; score: number } | null): GateDecision {
  if (!gate) return { blessed: false, reason: 'no gate configured (fail closed)' };
  const higher = METRICS[gate.metric].higherIsBetter;
  const bound = higher ? gate.minimum : gate.maximum;
  if (bound === undefined) return { blessed: false, reason: `no ${higher ? 'minimum' : 'maximum'} configured for ${gate.metric} (fail closed)` };
  if (!Number.isFinite(candidate)) return { blessed: false, reason: `holdout ${gate.metric} could not be computed (fail closed)` };
  const [op, notOp, word] = higher ? ['≥', '<', 'minimum'] : ['≤', '>', 'maximum'];
  if (improvement(gate.metric, candidate, bound) < 0) {
    return { blessed: false, reason: `holdout ${gate.metric} ${f(candidate)} ${notOp} ${word} ${bound}` };
  }
  const base = `holdout ${gate.metric} ${f(candidate)} ${op} ${word} ${bound}`;
  if (!champion) return { blessed: true, reason: `${base}; no champion yet` };
  const margin = gate.minImprovement ?? 0;
  if (!Number.isFinite(champion.score)) return { blessed: false, reason: `${base}, but champion v${champion.version} could not be scored (fail closed)` };
  const gain = improvement(gate.metric, candidate, champion.score);
  const verdict = gain >= margin ? 'beats' : 'does not beat';
  return {
    blessed: gain >= margin,
    reason: `${base}; ${verdict} champion v${champion.version} (${f(champion.score)} on the same holdout) by ${f(gain)} (margin ${margin})`,
  };
}
