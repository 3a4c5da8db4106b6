// `mlcycle demo --story business`: a success metric decides a rollout, a person approves the promotion, lineage tells it all.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawRecord } from '../lib/data/table.js';
import { modelLineage, type ModelLineage } from '../lib/store/lineage.js';
import { modelLineageTree, renderTree } from '../lib/report/lineageTree.js';
import { renderLineageHtml } from '../lib/report/lineageHtml.js';
import { PROJECT_ROOT, type Stack } from '../stack/stack.js';
import type { ApprovalRequest } from '../contracts/approval.js';
import { rolloutWorkflowId } from '../contracts/names.js';
import type { RolloutState } from '../contracts/rollout.js';
import { cliActor } from './actor.js';
import { decideApproval, findAwaiting, formatApproval } from './approvals.js';
import { completeResult, resolvePipeline, startLifecycle, type CompleteLifecycleResult } from './client.js';
import { followRun } from './progress.js';
import { post, readRecords } from './replay.js';
import { rolloutState } from './rollout.js';

export interface BusinessStory {
  first: CompleteLifecycleResult;
  second: CompleteLifecycleResult;
  approval: ApprovalRequest;
  rollout: RolloutState;
  lineage: ModelLineage;
  lineageHtml: string;
  /** Exposures and "planned" outcomes per variant@version, as the story counted them. */
  sent: Record<string, { exposures: number; planned: number }>;
}

/**
 * The known truth: each user plans an outing with their own base probability (0.1–0.4), and 0.3 more when the forecast
 * they got was right. A more accurate model earns more plans; how much, only the traffic tells.
 */
function plannerUsers(seed: number, users: number) {
  let s = seed;
  const rand = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const base = Array.from({ length: users }, () => 0.1 + 0.3 * rand());
  return { rand, plans: (user: number, right: boolean): boolean => rand() < base[user] + (right ? 0.3 : 0) };
}

/** Sends forecasts and their outcomes (one batch late, as outcomes come after the answer) until `stop()`. */
async function planningTraffic(httpUrl: string, model: string, records: RawRecord[], sent: BusinessStory['sent'], stop: () => boolean): Promise<void> {
  const { rand, plans } = plannerUsers(2015, 400);
  let late: { requestId: string; metric: string; value: number }[] = [];
  while (!stop()) {
    const batch = Array.from({ length: 25 }, () => ({ record: records[Math.floor(rand() * records.length)], user: Math.floor(rand() * 400), requestId: randomUUID() }));
    const instances = batch.map(({ record: { weather: _truth, ...features } }) => features);
    const answered = await post<{ predictions: { label: string; variant: string; version: number }[] }>(`${httpUrl}/v1/models/${model}/predict`, {
      instances, requestIds: batch.map((b) => b.requestId), unitIds: batch.map((b) => `user-${b.user}`),
    });
    await post(`${httpUrl}/v1/feedback`, { feedback: batch.map((b) => ({ requestId: b.requestId, label: String(b.record.weather) })) });
    if (late.length) await post(`${httpUrl}/v1/models/${model}/outcomes`, { outcomes: late });
    late = answered.predictions.map((p, i) => {
      const planned = plans(batch[i].user, p.label === String(batch[i].record.weather)) ? 1 : 0;
      const key = `${p.variant}@v${p.version}`;
      sent[key] = { exposures: (sent[key]?.exposures ?? 0) + 1, planned: (sent[key]?.planned ?? 0) + planned };
      return { requestId: batch[i].requestId, metric: 'planned', value: planned };
    });
    await new Promise((r) => setTimeout(r, 20));
  }
  if (late.length) await post(`${httpUrl}/v1/models/${model}/outcomes`, { outcomes: late });
}

/** The story on a started stack; the lineage page goes under `reportsDir`. Returns what a test or a person checks. */
export async function runBusinessStory(stack: Stack, reportsDir: string, say: (line: string) => void): Promise<BusinessStory> {
  const pipeline = await resolvePipeline('weather-planner');
  const httpUrl = stack.info.httpUrl;
  if (!httpUrl) throw new Error('the story needs the serving API');
  const model = pipeline.name;

  say(`\n1. A first forecast that knows only the wind (${model}, features: wind)`);
  const windOnly = await startLifecycle(stack, { ...pipeline, features: { numeric: ['wind'], categorical: [] } }, { rerun: true, reason: 'demo: a first model that knows only the wind' });
  const first = completeResult(await followRun(windOnly.handle, (l) => say(`   ${l}`)));
  say(`   → ${model}@${first.model.version} (holdout accuracy ${first.candidate.holdoutMetrics.accuracy.toFixed(3)}) serves as ${first.deployment?.role ?? 'nothing'}`);

  say('\n2. The full definition (precipitation, temperatures, wind): a better forecast asks for its place');
  const full = await startLifecycle(stack, pipeline, { rerun: true, reason: 'demo: the full forecast' });
  const second = completeResult(await followRun(full.handle, (l) => say(`   ${l}`)));
  const policy = pipeline.rollout!;
  say(`   → ${model}@${second.model.version} (holdout accuracy ${second.candidate.holdoutMetrics.accuracy.toFixed(3)}) in rollout: ${policy.stages.map((s) => `${s.name} ${s.traffic * 100}%`).join(' → ')}`);
  say(`   deciding on "${policy.success!.name}" (a user who plans an outing on the forecast; outcomes posted by request, one batch late), not on accuracy;`);
  say(`   accuracy, latency and errors are guardrails; a holder of the role "${policy.approval!.role}" approves before promotion`);

  const records = (await readRecords(join(PROJECT_ROOT, 'examples/seattle-weather/replay-2014-2015.csv'))).filter((r) => String(r.date).startsWith('2015'));
  const sent: BusinessStory['sent'] = {};
  let awaiting: ApprovalRequest | null = null;
  let ended = false;
  const deadline = Date.now() + 10 * 60_000;
  const traffic = planningTraffic(httpUrl, model, records, sent, () => awaiting !== null || ended || Date.now() > deadline);
  while (!awaiting && !ended && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const state = await rolloutState(stack.client, model).catch(() => null);
    ended = state?.status !== undefined && state.status !== 'running';
    if (state?.approval?.status === 'awaiting') awaiting = state.approval;
  }
  await traffic;
  if (!awaiting) throw new Error(`the rollout of ${model}@${second.model.version} ${ended ? 'ended' : 'did not ask for approval in 10 minutes'} (npx mlcycle rollout status ${model})`);

  say(`\n3. The test would promote; the rollout waits for a person (npx mlcycle approvals):`);
  const found = await findAwaiting(stack.client, model);
  for (const line of formatApproval(found).split('\n')) say(`   ${line}`);
  const reason = 'plans up on the A/B, accuracy guardrail within limits';
  say(`   npx mlcycle approve ${model} --reason "${reason}"`);
  const approval = await decideApproval(stack, { target: model, approve: true, actor: cliActor(), reason, roles: null, via: 'cli' });
  const rollout = (await stack.client.workflow.getHandle(rolloutWorkflowId(model)).result()) as RolloutState;
  const t = rollout.assessment?.test;
  say(`   → ${rollout.status.toUpperCase()}: ${rollout.decision?.reason}`);
  if (t) say(`     on ${rollout.assessment?.decidedOn}: ${t.units.champion}/${t.units.challenger} users, improvement ${t.estimate.toFixed(3)} [${t.lower.toFixed(3)}, ${t.upper.toFixed(3)}]`);

  say(`\n4. Lineage of ${model}@${second.model.version} (npx mlcycle lineage ${model}@${second.model.version})`);
  const lineage = await modelLineage(stack.db, `${model}@${second.model.version}`);
  const tree = modelLineageTree(lineage);
  for (const line of renderTree(tree).split('\n')) say(`   ${line}`);
  const reports = join(reportsDir, model);
  await mkdir(reports, { recursive: true });
  const lineageHtml = join(reports, `lineage-v${second.model.version}.html`);
  await writeFile(lineageHtml, renderLineageHtml(tree, { title: `${model}@${second.model.version}`, generatedAt: new Date().toISOString() }));
  say(`   page: ${lineageHtml}`);
  return { first, second, approval, rollout, lineage, lineageHtml, sent };
}
