// Shows a lifecycle run's DAG in the terminal until it ends: each step's messages, a line of step states, a trial bar.
import cliProgress from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import type { LifecycleProgress, LifecycleResult } from '../contracts/types.js';
import { runProgress } from './client.js';

const ICON: Record<string, string> = { pending: '·', running: '▶', done: '✓', reused: '↺', failed: '✗', cancelled: '⊘' };

/** "3/5 steps: ✓ ingest ↺ validate ▶ optimize · package · rollout" */
export function stepsLine(p: LifecycleProgress): string {
  const finished = p.steps.filter((s) => s.state === 'done' || s.state === 'reused').length;
  return `${finished}/${p.steps.length} steps: ${p.steps.map((s) => `${ICON[s.state] ?? '?'} ${s.id}`).join('  ')}`;
}

export async function followRun(handle: WorkflowHandle, print: (line: string) => void = console.log): Promise<LifecycleResult> {
  const result = handle.result() as Promise<LifecycleResult>;
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const bar = new cliProgress.SingleBar(
    { format: '  trials [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: false, stopOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let lastSeq = 0;
  let barStarted = false;
  let lastLine = '';
  const show = (progress: LifecycleProgress): void => {
    const fresh = progress.events.filter((e) => e.seq > lastSeq);
    if (fresh.length && barStarted) {
      bar.stop();
      barStarted = false;
    }
    for (const e of fresh) {
      // Trial-by-trial messages go to the bar in a terminal; elsewhere every one is printed.
      if (!(process.stdout.isTTY && /^\d+\/\d+ trials/.test(e.message))) print(`→ ${e.step}: ${e.message}`);
      lastSeq = e.seq;
    }
    const line = stepsLine(progress);
    if (line !== lastLine && progress.steps.length) {
      print(`  ${line}`);
      lastLine = line;
    }
    const optimizing = progress.steps.some((s) => s.uses === 'optimize' && s.state === 'running');
    if (optimizing && progress.trialsTotal > 0 && process.stdout.isTTY) {
      if (!barStarted) bar.start(progress.trialsTotal, progress.trialsDone);
      barStarted = true;
      bar.update(progress.trialsDone);
    }
  };
  // Poll until the run ends, then once more for its last steps. A failed query (no worker right now) is retried.
  for (let last = false; !last; ) {
    last = finished;
    const progress = await runProgress(handle).catch(() => null);
    if (progress) show(progress);
    if (!last) await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
  }
  if (barStarted) bar.stop();
  return result;
}
