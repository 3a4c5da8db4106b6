// Simulated rollouts decided by a success metric, with known truth: clustered units, their own rates, routed as serving does.
import { rolloutSchema, type RolloutPolicy } from '../../lib/config/rollout.js';
import { assess, splitOutcomes, type Observation } from '../../lib/rollout/assess.js';
import type { Previous } from '../../lib/stats/sequential.js';
import { unitSumsOf, type UnitSums } from '../../lib/stats/unitSums.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { chooseVariant } from '../../serving/router.js';

export interface SuccessTraffic {
  units: number;
  /** Each unit sends 1…maxRequests requests (uniform), spread over the checks. */
  maxRequests: number;
  checks: number;
  /** Each unit's chance of a right answer under the champion, drawn from these. */
  accuracyRates: readonly number[];
  /** The challenger's accuracy effect for every unit (truth). */
  accuracyEffect: number;
  /**
   * event: each exposure converts with the unit's chance, drawn from `successRates`; value: each exposure earns the unit's
   * mean (from `successRates`) times a standard exponential draw (skewed, as revenue is).
   */
  kind: 'event' | 'value';
  successRates: readonly number[];
  /** The challenger's effect on the success metric per exposure, for every unit (truth; + is more). */
  successEffect: number;
}

export interface SuccessTally {
  experiments: number;
  promoted: number;
  rolledBack: number;
  undecided: number;
  /** Who decided and with which code (test/<code>, guardrail/modelMetric, undecided/<code>), and how often. */
  codes: Record<string, number>;
}

/** canary 20% → A/B 50%, α 0.05; the model metric's minEffect 0.08; the success metric's as given. */
export function successPolicy(success: Record<string, unknown>, overrides: Record<string, unknown> = {}): RolloutPolicy {
  return rolloutSchema.parse({
    alpha: 0.05, minEffect: 0.08, intervalSeconds: 1, maxSamples: 10_000_000,
    stages: [{ name: 'canary', traffic: 0.2, minSamples: 100, maxDurationSeconds: 86_400 }, { name: 'ab', traffic: 0.5, minSamples: 200, maxDurationSeconds: 86_400 }],
    success: { name: 'converted', kind: 'event', direction: 'increase', ...success },
    ...overrides,
  });
}

const quiet = { requests: 1_000_000, errors: 0, p99LatencyMs: 1, latencyRows: 1_000_000 };

/** Per (unit, variant): exposures, outcome total, whether any outcome was 1; right answers for the model metric. */
class Side {
  readonly n: Float64Array;
  readonly y: Float64Array;
  readonly right: Float64Array;
  constructor(units: number) {
    this.n = new Float64Array(units);
    this.y = new Float64Array(units);
    this.right = new Float64Array(units);
  }
  success(per: 'exposure' | 'unit', kind: 'event' | 'value'): UnitSums {
    const out = [];
    for (let u = 0; u < this.n.length; u++) {
      if (this.n[u] === 0) continue;
      if (per === 'exposure') out.push({ sum: this.y[u], count: this.n[u] });
      else out.push({ sum: kind === 'event' ? (this.y[u] > 0 ? 1 : 0) : this.y[u], count: 1 });
    }
    return unitSumsOf(out);
  }
  accuracy(): UnitSums {
    const out = [];
    for (let u = 0; u < this.n.length; u++) if (this.n[u] > 0) out.push({ sum: this.right[u], count: this.n[u] });
    return unitSumsOf(out);
  }
}

function runOnce(policy: RolloutPolicy, t: SuccessTraffic, seed: number): { decision: string; code: string } {
  const rand = mulberry32(seed);
  const success = policy.success;
  if (!success) throw new Error('the policy needs a success metric');
  const keys = Array.from({ length: t.units }, (_, u) => `s${seed}-user-${u}`);
  const counts = Array.from({ length: t.units }, () => 1 + Math.floor(rand() * t.maxRequests));
  const acc = Array.from({ length: t.units }, () => t.accuracyRates[Math.floor(rand() * t.accuracyRates.length)]);
  const rate = Array.from({ length: t.units }, () => t.successRates[Math.floor(rand() * t.successRates.length)]);
  // Each request's check, as (check, unit) pairs sorted by check.
  const byCheck: number[][] = Array.from({ length: t.checks }, () => []);
  counts.forEach((c, u) => {
    for (let k = 0; k < c; k++) byCheck[Math.floor(rand() * t.checks)].push(u);
  });
  const all = [new Side(t.units), new Side(t.units)];
  let stage = [new Side(t.units), new Side(t.units)];
  let stageIndex = 0;
  let previous: Previous | null = null;
  let code = 'no-samples';
  const routed = (): number[] => keys.map((k) => (chooseVariant(k, policy.stages[stageIndex].traffic) === 'challenger' ? 1 : 0));
  let variantOf = routed();
  for (let check = 0; check < t.checks; check++) {
    for (const u of byCheck[check]) {
      const v = variantOf[u];
      const p = Math.min(1, Math.max(0, acc[u] + (v === 1 ? t.accuracyEffect : 0)));
      const right = rand() < p ? 1 : 0;
      const s = rate[u] + (v === 1 ? t.successEffect : 0);
      const outcome = t.kind === 'event' ? (rand() < s ? 1 : 0) : s * -Math.log(1 - rand());
      for (const side of [all[v], stage[v]]) {
        side.n[u] += 1;
        side.y[u] += outcome;
        side.right[u] += right;
      }
    }
    const succ = { champion: all[0].success(success.per, t.kind), challenger: all[1].success(success.per, t.kind) };
    const inStage = [stage[0].success(success.per, t.kind), stage[1].success(success.per, t.kind)];
    const obs: Observation = {
      stageIndex, elapsedSeconds: 1, traffic: { champion: quiet, challenger: quiet }, disagreement: null, predictionShift: null,
      outcomes: splitOutcomes('accuracy', { champion: all[0].accuracy(), challenger: all[1].accuracy() }),
      success: { kind: 'means', version: 2, ...succ }, stageSamples: Math.min(inStage[0].n, inStage[1].n),
    };
    const a = assess(policy, 'accuracy', obs, previous);
    previous = { pValue: a.test.pValue, lower: a.test.lower, upper: a.test.upper };
    code = a.test.code;
    if (a.action === 'promote' || a.action === 'rollback') {
      const by = a.by === 'guardrail' ? `guardrail/${a.guardrails.filter((g) => !g.ok).map((g) => g.name).join('+')}` : `test/${a.test.code}`;
      return { decision: a.action, code: by };
    }
    if (a.action === 'advance') {
      stageIndex += 1;
      stage = [new Side(t.units), new Side(t.units)];
      variantOf = routed();
    }
  }
  return { decision: 'undecided', code: `undecided/${code}` };
}

/** `experiments` seeded rollouts of one traffic design. */
export function simulateSuccess(policy: RolloutPolicy, t: SuccessTraffic, experiments: number, seed: number): SuccessTally {
  const tally: SuccessTally = { experiments, promoted: 0, rolledBack: 0, undecided: 0, codes: {} };
  for (let e = 0; e < experiments; e++) {
    const r = runOnce(policy, t, seed * 100_003 + e);
    if (r.decision === 'promote') tally.promoted++;
    else if (r.decision === 'rollback') tally.rolledBack++;
    else tally.undecided++;
    tally.codes[r.code] = (tally.codes[r.code] ?? 0) + 1;
  }
  return tally;
}
