// Rollout test fixtures: blessed tiny models registered by hand, a policy on a fast clock, and traffic with true labels.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { rolloutSchema, type RolloutPolicy } from '../../lib/config/rollout.js';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { setAlias, type ModelVersionRow } from '../../lib/store/models.js';
import type { RolloutInput } from '../../contracts/rollout.js';
import { registerModelBytes, TINY_A, TINY_B, tinyCard } from '../serving/harness.js';
import type { TestStack } from '../harness.js';

export { TINY_A, TINY_B };

/** Registers model bytes as the next version of `name`, blessed (with the card `card` makes). */
export function registerBlessed(stack: TestStack, name: string, bytes: Uint8Array, card: (n: string, sha: string, b: number) => ModelCard = tinyCard): Promise<ModelVersionRow> {
  const blessed = (n: string, sha: string, b: number): ModelCard => ({ ...card(n, sha, b), gate: { blessed: true, reason: 'blessed for the rollout tests' } });
  return registerModelBytes(stack, name, bytes, `test-${randomUUID()}`, blessed);
}

/** Champion `champion` and a registered challenger `challenger` of model `name`. */
export async function championAndChallenger(stack: TestStack, name: string, champion: URL, challenger: URL): Promise<{ v1: ModelVersionRow; v2: ModelVersionRow }> {
  const v1 = await registerBlessed(stack, name, await readFile(champion));
  const v2 = await registerBlessed(stack, name, await readFile(challenger));
  await setAlias(stack.db, { modelName: name, alias: 'champion', version: v1.version, actor: 'test', reason: 'the champion of a rollout test' });
  return { v1, v2 };
}

export function fastPolicy(overrides: Record<string, unknown> = {}): RolloutPolicy {
  return rolloutSchema.parse({
    intervalSeconds: 1, alpha: 0.05, minEffect: 0.1, maxSamples: 3000,
    stages: [
      { name: 'shadow', traffic: 1, minSamples: 40, maxDurationSeconds: 120 },
      { name: 'canary', traffic: 0.3, minSamples: 30, maxDurationSeconds: 120 },
      { name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 120 },
    ],
    guardrails: { minRequests: 20, maxDisagreement: 1, maxPredictionShift: 100, maxP99LatencyMs: 5000 },
    ...overrides,
  });
}

export function rolloutInput(model: string, v: ModelVersionRow, policy: RolloutPolicy, task: 'classification' | 'regression' = 'classification'): RolloutInput {
  return { model, challenger: { version: v.version, sha256: v.sha256 }, task, policy, disagreementTolerance: 0, pipeline: null, startedBy: 'test', reason: 'rollout test' };
}

/** Tiny model B's answer, by hand: its yes − no score is −2·x1 + red − green − 0.4·blue + 0.6 (A's is about the opposite). */
export function truthOfB(x1: number, color: string): string {
  const score = -2 * x1 + (color === 'red' ? 1 : 0) - (color === 'green' ? 1 : 0) - 0.4 * (color === 'blue' ? 1 : 0) + 0.6;
  return score > 0 ? 'yes' : 'no';
}

export interface Answered {
  unit: string;
  variant: string;
  version: number;
  at: number;
}

/**
 * Sends batches of `size` instances from units user-0…user-199 until `stop()` says so, labels each answer with `truth`
 * (B's answer, flipped 5% of the time), and returns every answer seen. Non-2xx answers are collected as failures.
 */
export async function trafficWithLabels(httpUrl: string, model: string, stop: () => boolean, truth: (x1: number, color: string) => string, size = 20): Promise<{ answered: Answered[]; failures: string[] }> {
  const answered: Answered[] = [];
  const failures: string[] = [];
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const colors = ['red', 'green', 'blue'];
  while (!stop()) {
    const instances = Array.from({ length: size }, () => ({ x1: rand() * 2 - 1, color: colors[Math.floor(rand() * 3)] }));
    const unitIds = instances.map(() => `user-${Math.floor(rand() * 200)}`);
    const requestIds = instances.map(() => randomUUID());
    const res = await fetch(`${httpUrl}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances, unitIds, requestIds }) });
    if (!res.ok) {
      failures.push(`${res.status} ${await res.text()}`);
      continue;
    }
    const body = (await res.json()) as { predictions: { requestId: string; variant: string; version: number }[] };
    body.predictions.forEach((p, i) => answered.push({ unit: unitIds[i], variant: p.variant, version: p.version, at: Date.now() }));
    const feedback = instances.map((x, i) => {
      const t = truth(x.x1, x.color);
      return { requestId: requestIds[i], label: rand() < 0.05 ? (t === 'yes' ? 'no' : 'yes') : t };
    });
    const fb = await fetch(`${httpUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
    if (!fb.ok) failures.push(`feedback ${fb.status} ${await fb.text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { answered, failures };
}
