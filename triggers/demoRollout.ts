// The demo's rollout chapters: the retrained model earns its place on 2015 traffic; the old one asks back and is refused.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { RawRecord } from '../lib/data/table.js';
import type { MlPipeline as PipelineDefinition } from '../lib/steps/sections.js';
import { PROJECT_ROOT, type Stack } from '../stack/stack.js';
import { rolloutWorkflowId } from '../contracts/names.js';
import type { RolloutState } from '../contracts/rollout.js';
import { liveTraffic, type LiveTrafficResult } from './liveTraffic.js';
import { readRecords } from './replay.js';
import { rolloutState, startRolloutByName } from './rollout.js';

/** From 2014 the station reports precipitation in inches, not millimetres: a unit change upstream, applied to the real records. */
export function inInches(r: RawRecord): RawRecord {
  const mm = r.precipitation;
  return typeof mm === 'number' ? { ...r, precipitation: Math.round((mm / 25.4) * 1000) / 1000 } : r;
}

export interface RolloutStory {
  promoted: RolloutState;
  promotedTraffic: LiveTrafficResult;
  rolledBack: RolloutState;
  rolledBackTraffic: LiveTrafficResult;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
const signed = (x: number | null): string => (x === null || !Number.isFinite(x) ? '?' : `${x >= 0 ? '+' : ''}${x.toFixed(3)}`);

/** Sends labelled 2015 traffic until the rollout decides, saying each stage change and the decision as they happen. */
async function untilDecided(client: Client, httpUrl: string, pipeline: PipelineDefinition, records: RawRecord[], say: (l: string) => void, seed: number) {
  const handle = client.workflow.getHandle(rolloutWorkflowId(pipeline.name));
  let decided = false;
  const deadline = Date.now() + 10 * 60_000;
  const traffic = liveTraffic({ httpUrl, model: pipeline.name, records, target: pipeline.target, seed, stop: () => decided || Date.now() > deadline });
  let shown = '';
  const watch = setInterval(() => {
    rolloutState(client, pipeline.name)
      .then((s) => {
        if (s.stage === shown || s.decision) return;
        shown = s.stage;
        const t = s.assessment?.test;
        const passed = t ? ` — the stage before passed on ${t.samples.challenger} labelled ${t.kind === 'paired' ? 'pairs' : 'answers each'}, improvement ${signed(t.estimate)}` : '';
        say(`   ${s.stage} on ${pct(s.traffic)} of units${passed}`);
      })
      .catch(() => undefined);
  }, 1000);
  try {
    const state = (await handle.result()) as RolloutState;
    decided = true;
    return { state, traffic: await traffic };
  } finally {
    decided = true;
    clearInterval(watch);
  }
}

function sayDecision(s: RolloutState, say: (l: string) => void): void {
  const t = s.assessment?.test;
  say(`   → ${s.status.toUpperCase()} by ${s.decision?.by}: ${s.decision?.reason}`);
  if (t) say(`     ${t.kind} test on ${t.samples.champion}/${t.samples.challenger} labelled samples: Λ ${t.statistic.toPrecision(3)} (bound ${t.bound}), always-valid p ${t.pValue.toPrecision(2)}`);
}

export async function runRolloutStory(stack: Stack, pipeline: PipelineDefinition, say: (l: string) => void): Promise<RolloutStory> {
  const httpUrl = stack.info.httpUrl ?? '';
  const records = (await readRecords(join(PROJECT_ROOT, 'examples/seattle-weather/replay-2014-2015.csv'))).filter((r) => String(r.date).startsWith('2015')).map(inInches);
  const policy = pipeline.rollout;
  if (!policy) throw new Error(`${pipeline.name} has no rollout section`);
  say(`\n5. The retrained model earns its place on 2015 traffic (${records.length} days, still in inches, drawn at random by 500 users; labels as feedback)`);
  say(`   ${policy.stages.map((s) => `${s.name} ${pct(s.traffic)} (≥ ${s.minSamples} labels)`).join(' → ')}; mSPRT α ${policy.alpha}, minEffect ${policy.minEffect}; checked every ${policy.intervalSeconds}s`);
  const first = await untilDecided(stack.client, httpUrl, pipeline, records, say, 2015);
  sayDecision(first.state, say);
  say(`   answers: ${JSON.stringify(first.traffic.answeredBy)}; watch it: npx mlcycle rollout status ${pipeline.name}`);

  const old = first.state.championVersion ?? 1;
  say(`\n6. The old champion v${old} (trained on 2012–2013) asks for its place back: npx mlcycle rollout start ${pipeline.name} --version ${old} --reason "…"`);
  await startRolloutByName(stack, { model: pipeline.name, version: old, actor: 'demo', reason: 'demo: a worse challenger must be refused' });
  const second = await untilDecided(stack.client, httpUrl, pipeline, records, say, 2016);
  sayDecision(second.state, say);
  return { promoted: first.state, promotedTraffic: first.traffic, rolledBack: second.state, rolledBackTraffic: second.traffic };
}
