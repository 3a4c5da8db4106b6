// Simulated rollouts on clustered traffic with known truth: units routed as serving routes them, resent request ids, assess().
import { rolloutSchema, type RolloutPolicy } from '../../lib/config/rollout.js';
import { assess, pairedOutcomes, splitOutcomes, type Observation } from '../../lib/rollout/assess.js';
import type { Previous } from '../../lib/stats/sequential.js';
import { unitSumsOf, type UnitSums } from '../../lib/stats/unitSums.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { chooseVariant } from '../../serving/router.js';

export interface Traffic {
  /** Units (users) that send all the traffic. */
  units: number;
  /** Each unit sends 1…maxRequests requests (uniform). */
  maxRequests: number;
  /** accuracy: 0/1 correctness; squaredError: exponential errors around each unit's mean (lower is better). */
  metric: 'accuracy' | 'squaredError';
  /**
   * Each unit's truth under the champion, drawn from these with equal odds: its chance of a right answer (accuracy) or
   * its mean squared error.
   */
  rates: readonly number[];
  /** The challenger's improvement for every unit (the truth; equal at 0): rate + effect, or MSE − effect. */
  effect: number;
  /** Units differ in how the challenger does for them: each unit's effect is effect ± spread with equal odds (default 0). */
  spread?: number;
  /** Share of requests the client sends again, later, under the same request id (no new label). */
  resend: number;
  /** Checks the traffic is spread over. */
  checks: number;
}

/** How the labelled answers become the test's state: per unit, one outcome per request id (the rollout's way), or the old way. */
export type Counting = 'units' | 'rows';

export interface Tally {
  experiments: number;
  promoted: number;
  rolledBack: number;
  /** Experiments that ended with the traffic still undecided (a real rollout then ends at its deadline: rolled back). */
  undecided: number;
  /** The test's code at the decision (undecided/<code> when the traffic ended first), and how often. */
  codes: Record<string, number>;
}

/** canary 20% → A/B 50%, α 0.05, minEffect 0.08 (the setting); stages pass on labels, never on the clock. */
export function clusteredPolicy(overrides: Record<string, unknown> = {}): RolloutPolicy {
  return rolloutSchema.parse({
    alpha: 0.05, minEffect: 0.08, intervalSeconds: 1, maxSamples: 10_000_000,
    stages: [{ name: 'canary', traffic: 0.2, minSamples: 100, maxDurationSeconds: 86_400 }, { name: 'ab', traffic: 0.5, minSamples: 200, maxDurationSeconds: 86_400 }],
    ...overrides,
  });
}

const quiet = { requests: 1_000_000, errors: 0, p99LatencyMs: 1, latencyRows: 1_000_000 };

/** The requests of one experiment, column by column, and the order they are sent in (check by check; a resend again later). */
interface Requests {
  unit: Int32Array;
  /** The metric's value of request i's answer by the champion (0) and by the challenger (1). */
  value: [Float64Array, Float64Array];
  /** Request indices in sending order; those of check c are sends[starts[c]…starts[c + 1]). */
  sends: Int32Array;
  starts: Int32Array;
}

function requestsOf(t: Traffic, rand: () => number): Requests {
  const counts = Array.from({ length: t.units }, () => 1 + Math.floor(rand() * t.maxRequests));
  const total = counts.reduce((a, b) => a + b, 0);
  const unit = new Int32Array(total);
  const value: [Float64Array, Float64Array] = [new Float64Array(total), new Float64Array(total)];
  const accuracy = t.metric === 'accuracy';
  // A 0/1 outcome at chance p from a uniform draw, or an error of mean m from a standard exponential draw (skewed, as
  // squared errors are).
  const uniform = (): number => rand();
  const exp1 = (): number => -Math.log(1 - rand());
  const at = new Int32Array(total);
  const again = new Int32Array(total).fill(-1);
  const perCheck = new Int32Array(t.checks + 1);
  let i = 0;
  for (let u = 0; u < t.units; u++) {
    const rate = t.rates[Math.floor(rand() * t.rates.length)];
    const effect = t.effect + (t.spread ?? 0) * (rand() < 0.5 ? -1 : 1);
    const challengerRate = accuracy ? Math.min(1, Math.max(0, rate + effect)) : rate - effect;
    for (let k = 0; k < counts[u]; k++, i++) {
      unit[i] = u;
      // Both models see the same request: most of the time the same draw decides both (they mostly agree), else their own.
      const d0 = accuracy ? uniform() : exp1();
      const d1 = rand() < 0.8 ? d0 : accuracy ? uniform() : exp1();
      value[0][i] = accuracy ? (d0 < rate ? 1 : 0) : rate * d0;
      value[1][i] = accuracy ? (d1 < challengerRate ? 1 : 0) : challengerRate * d1;
      at[i] = Math.floor(rand() * t.checks);
      perCheck[at[i] + 1]++;
      if (rand() < t.resend) {
        again[i] = at[i] + Math.floor(rand() * (t.checks - at[i]));
        perCheck[again[i] + 1]++;
      }
    }
  }
  for (let c = 1; c <= t.checks; c++) perCheck[c] += perCheck[c - 1];
  const starts = perCheck.slice();
  const sends = new Int32Array(perCheck[t.checks]);
  const fill = perCheck.slice();
  for (let r = 0; r < total; r++) {
    sends[fill[at[r]]++] = r;
    if (again[r] >= 0) sends[fill[again[r]]++] = r;
  }
  return { unit, value, sends, starts };
}

/** Per unit: how many outcomes, their sum; and the same per request (every answer a row, resends too: the old way). */
class Tallies {
  readonly n: Float64Array;
  readonly y: Float64Array;
  rows = { count: 0, sum: 0, squares: 0 };
  constructor(units: number) {
    this.n = new Float64Array(units);
    this.y = new Float64Array(units);
  }
  add(u: number, v: number, first: boolean): void {
    this.rows.count += 1;
    this.rows.sum += v;
    this.rows.squares += v * v;
    if (!first) return;
    this.n[u] += 1;
    this.y[u] += v;
  }
  sums(counting: Counting): UnitSums {
    const r = this.rows;
    if (counting === 'rows') return { units: r.count, n: r.count, nn: r.count, y: r.sum, yy: r.squares, yn: r.sum };
    const units = [];
    for (let u = 0; u < this.n.length; u++) if (this.n[u] > 0) units.push({ sum: this.y[u], count: this.n[u] });
    return unitSumsOf(units);
  }
}

/**
 * One simulated rollout: traffic check by check, each check assessed as the rollout activity does. Shadow pairs each
 * mirrored request's answers (challenger − champion); split stages count each request id's first answer in the split.
 */
function runOnce(policy: RolloutPolicy, t: Traffic, counting: Counting, seed: number): { decision: 'promote' | 'rollback' | 'undecided'; code: string } {
  const rand = mulberry32(seed);
  const q = requestsOf(t, rand);
  const keys = Array.from({ length: t.units }, (_, u) => `s${seed}-user-${u}`);
  const pairs = new Tallies(t.units);
  const split = [new Tallies(t.units), new Tallies(t.units)];
  const pairedOnce = new Uint8Array(q.unit.length);
  const splitOnce = new Uint8Array(q.unit.length);
  let stageIndex = 0;
  let stageCounts = [0, 0];
  const routed = (): number[] => keys.map((k) => (chooseVariant(k, policy.stages[stageIndex].traffic) === 'challenger' ? 1 : 0));
  let variantOf = routed();
  let previous: Previous | null = null;
  let code = 'no-samples';
  for (let check = 0; check < t.checks; check++) {
    const shadow = policy.stages[stageIndex].name === 'shadow';
    for (let s = q.starts[check]; s < q.starts[check + 1]; s++) {
      const i = q.sends[s];
      const u = q.unit[i];
      const v = variantOf[u];
      if (shadow) {
        if (v === 0) continue; // not mirrored
        pairs.add(u, q.value[1][i] - q.value[0][i], !pairedOnce[i]);
        if (!pairedOnce[i]) stageCounts[0] = stageCounts[1] = stageCounts[0] + 1;
        pairedOnce[i] = 1;
      } else {
        split[v].add(u, q.value[v][i], !splitOnce[i]);
        if (!splitOnce[i]) stageCounts[v] += 1;
        splitOnce[i] = 1;
      }
    }
    const outcomes = shadow ? pairedOutcomes(pairs.sums(counting)) : splitOutcomes(t.metric, { champion: split[0].sums(counting), challenger: split[1].sums(counting) });
    const obs: Observation = {
      stageIndex, elapsedSeconds: 1, traffic: { champion: quiet, challenger: quiet }, disagreement: null, predictionShift: null,
      outcomes, stageSamples: Math.min(stageCounts[0], stageCounts[1]),
    };
    const a = assess(policy, t.metric, obs, previous);
    previous = { pValue: a.test.pValue, lower: a.test.lower, upper: a.test.upper };
    code = a.test.code;
    if (a.action === 'promote' || a.action === 'rollback') return { decision: a.action, code: a.test.code };
    if (a.action === 'advance') {
      stageIndex += 1;
      stageCounts = [0, 0];
      variantOf = routed();
      if (shadow) previous = null; // as the workflow does: the split test starts afresh
    }
  }
  return { decision: 'undecided', code: `undecided/${code}` };
}

/** `experiments` seeded rollouts of the same traffic design. */
export function simulateRollouts(policy: RolloutPolicy, t: Traffic, counting: Counting, experiments: number, seed: number): Tally {
  const tally: Tally = { experiments, promoted: 0, rolledBack: 0, undecided: 0, codes: {} };
  for (let e = 0; e < experiments; e++) {
    const r = runOnce(policy, t, counting, seed * 100_003 + e);
    if (r.decision === 'promote') tally.promoted++;
    else if (r.decision === 'rollback') tally.rolledBack++;
    else tally.undecided++;
    tally.codes[r.code] = (tally.codes[r.code] ?? 0) + 1;
  }
  return tally;
}
