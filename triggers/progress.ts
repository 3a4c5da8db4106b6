// Shows a lifecycle run's progress in the terminal (step lines and a trial bar) until it ends.
import cliProgress from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import type { LifecycleProgress, LifecycleResult } from '../workflows/types.js';
import { runProgress } from './client.js';

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
  const show = (progress: LifecycleProgress): void => {
    for (const e of progress.events.filter((e) => e.seq > lastSeq)) {
      if (barStarted && e.step !== 'optimize') {
        bar.stop();
        barStarted = false;
      }
      if (!barStarted) print(`→ ${e.step}: ${e.message}`);
      lastSeq = e.seq;
    }
    if (progress.step === 'optimize' && progress.trialsTotal > 0 && process.stdout.isTTY) {
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
