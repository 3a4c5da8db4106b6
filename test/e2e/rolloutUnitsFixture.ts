// Few units, many requests, resent ids: traffic through serving and feedback, and the evidence expected from the log by hand.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../lib/store/db.js';
import { unitSumsOf, type UnitSums, type UnitTotal } from '../../lib/stats/unitSums.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { truthOfB } from './rolloutFixture.js';

/** One instance sent: its request id, unit (null: none named, so its request id routes it), input and label. */
export interface Sent {
  requestId: string;
  unit: string | null;
  x1: number;
  color: string;
  label: string;
  /** What serving answered the first time. */
  variant: string;
  version: number;
  predicted: string;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

type Answer = { requestId: string; label: string; variant: string; version: number };

/** Sends instances (with their units when every one has one), returns serving's answers in order. */
export async function predict(httpUrl: string, model: string, sent: Pick<Sent, 'requestId' | 'unit' | 'x1' | 'color'>[]): Promise<Answer[]> {
  const withUnits = sent.every((s) => s.unit !== null);
  const body = {
    instances: sent.map((s) => ({ x1: s.x1, color: s.color })),
    requestIds: sent.map((s) => s.requestId),
    ...(withUnits ? { unitIds: sent.map((s) => s.unit) } : {}),
  };
  return ((await post(`${httpUrl}/v1/models/${model}/predict`, body)) as { predictions: Answer[] }).predictions;
}

/**
 * `rounds` requests from each unit (`perRequest` instances each), then `loners` instances that name no unit; each
 * labelled once through the feedback API (B's answer, flipped 20% of the time, so both models make mistakes).
 */
export async function sendLabelled(httpUrl: string, model: string, units: string[], rounds: number, perRequest: number, loners: number, seed: number): Promise<Sent[]> {
  const rand = mulberry32(seed);
  const colors = ['red', 'green', 'blue'];
  const all: Sent[] = [];
  const batches: (string | null)[][] = [];
  for (let r = 0; r < rounds; r++) for (const u of units) batches.push(Array<string | null>(perRequest).fill(u));
  if (loners > 0) batches.push(Array<string | null>(loners).fill(null));
  for (const batch of batches) {
    const sent = batch.map((unit) => ({ requestId: randomUUID(), unit, x1: rand() * 2 - 1, color: colors[Math.floor(rand() * 3)] }));
    const answers = await predict(httpUrl, model, sent);
    const labelled = sent.map((s, i) => {
      const t = truthOfB(s.x1, s.color);
      const label = rand() < 0.2 ? (t === 'yes' ? 'no' : 'yes') : t;
      return { ...s, label, variant: answers[i].variant, version: answers[i].version, predicted: answers[i].label };
    });
    await post(`${httpUrl}/v1/feedback`, { feedback: labelled.map((s) => ({ requestId: s.requestId, label: s.label })) });
    all.push(...labelled);
  }
  return all;
}

/** Per variant, the sums over units of each unit's right answers and its labelled answers, as the rollout should count them. */
export function expectedSplit(sent: Sent[]): { champion: UnitSums; challenger: UnitSums } {
  const side = (variant: string): UnitSums => {
    const byUnit = new Map<string, UnitTotal>();
    for (const s of sent.filter((x) => x.variant === variant)) {
      const t = byUnit.get(s.unit ?? s.requestId) ?? { sum: 0, count: 0 };
      byUnit.set(s.unit ?? s.requestId, { sum: t.sum + (s.predicted === s.label ? 1 : 0), count: t.count + 1 });
    }
    return unitSumsOf(byUnit.values());
  };
  return { champion: side('champion'), challenger: side('challenger') };
}

/**
 * Shadow pairs read back from the log by hand: per request id its first shadow answer and the champion's first answer;
 * per unit the sum of labelled differences (challenger right − champion right), and of pairs / disagreements.
 */
export async function expectedPairs(db: Queryable, model: string): Promise<{ differences: UnitSums; disagreement: UnitSums; rows: number }> {
  const res = await db.query<{ request_id: string; unit: string; variant: string; answer: string; truth: string | null }>(
    `SELECT p.request_id, COALESCE(p.unit_id, p.request_id) AS unit, p.variant, p.label AS answer, f.label AS truth
       FROM predictions p LEFT JOIN feedback f ON f.request_id = p.request_id WHERE p.model_name = $1 ORDER BY p.created_at, p.id`,
    [model],
  );
  const first = new Map<string, { unit: string; truth: string | null; shadow?: string; champion?: string }>();
  for (const r of res.rows) {
    const f = first.get(r.request_id) ?? { unit: r.unit, truth: r.truth };
    if (r.variant === 'shadow' && f.shadow === undefined) f.shadow = r.answer;
    if (r.variant === 'champion' && f.champion === undefined) f.champion = r.answer;
    first.set(r.request_id, f);
  }
  const diff = new Map<string, UnitTotal>();
  const agree = new Map<string, UnitTotal>();
  const add = (m: Map<string, UnitTotal>, unit: string, v: number): void => {
    const t = m.get(unit) ?? { sum: 0, count: 0 };
    m.set(unit, { sum: t.sum + v, count: t.count + 1 });
  };
  for (const f of first.values()) {
    if (f.shadow === undefined || f.champion === undefined) continue;
    add(agree, f.unit, f.shadow === f.champion ? 0 : 1);
    if (f.truth !== null) add(diff, f.unit, (f.shadow === f.truth ? 1 : 0) - (f.champion === f.truth ? 1 : 0));
  }
  return { differences: unitSumsOf(diff.values()), disagreement: unitSumsOf(agree.values()), rows: res.rows.length };
}
