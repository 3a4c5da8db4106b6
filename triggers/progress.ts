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
  let lastStep = '';
  let barStarted = false;
  let last: LifecycleProgress | null = null;
  while (!finished) {
    try {
      last = await runProgress(handle);
    } catch {
      last = null; // the run may be between workers; try again
    }
    if (last && last.step !== lastStep) {
      if (barStarted) bar.stop();
      barStarted = false;
      lastStep = last.step;
      print(`→ ${last.step}: ${last.message}`);
    }
    if (last?.step === 'optimize' && last.trialsTotal > 0) {
      if (!barStarted && process.stdout.isTTY) {
        bar.start(last.trialsTotal, last.trialsDone);
        barStarted = true;
      }
      if (barStarted) bar.update(last.trialsDone);
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
  }
  if (barStarted) bar.stop();
  return result;
}
