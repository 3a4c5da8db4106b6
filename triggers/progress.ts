// Shows a lifecycle run in the terminal until it ends: every step message once (a cursor), a line of step states, a trial bar.
import cliProgress from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, progressSinceQuery } from '../contracts/names.js';
import type { LifecycleProgress, LifecycleResult, ProgressSince } from '../contracts/types.js';

const ICON: Record<string, string> = { pending: '·', running: '▶', done: '✓', reused: '↺', failed: '✗', cancelled: '⊘' };
/** Up to this many steps the state line names each step; above, it counts them. */
const NAMED_STEPS = 30;
/** A counting line at most this often (and once at the end). */
const COUNT_EVERY_MS = 2000;

/** "3/5 steps: ✓ ingest ↺ validate ▶ optimize · package · rollout" */
export function stepsLine(p: LifecycleProgress): string {
  const finished = p.steps.filter((s) => s.state === 'done' || s.state === 'reused').length;
  return `${finished}/${p.steps.length} steps: ${p.steps.map((s) => `${ICON[s.state] ?? '?'} ${s.id}`).join('  ')}`;
}

/** "412/10000 steps: 400 ran, 12 reused, 3 running (a, b, c), 9585 pending" */
export function countsLine(p: ProgressSince): string {
  const c = p.counts;
  const running = c.running ? `, ${c.running} running (${p.running.slice(0, 3).join(', ')}${c.running > 3 ? ', …' : ''})` : '';
  return `${c.done + c.reused}/${p.total} steps: ${c.done} ran, ${c.reused} reused${running}, ${c.pending} pending${c.failed ? `, ${c.failed} failed` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`;
}

const notRegistered = (err: unknown): boolean => /not registered|unknown query|QueryNotRegistered|did not register/i.test(String((err as Error)?.message ?? err));

export async function followRun(handle: WorkflowHandle, print: (line: string) => void = console.log): Promise<LifecycleResult> {
  const result = handle.result() as Promise<LifecycleResult>;
  // Queries go to the id's current run: a run that continues as new goes on in a new run of the same id.
  const live = handle.client.getHandle(handle.workflowId);
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const bar = new cliProgress.SingleBar(
    { format: '  trials [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: false, stopOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let cursor = 0;
  let barStarted = false;
  let lastLine = '';
  let lastCountAt = 0;
  let legacy = false;
  const events = (fresh: { seq: number; step: string; message: string }[]): void => {
    if (fresh.length && barStarted) {
      bar.stop();
      barStarted = false;
    }
    for (const e of fresh) {
      // Trial-by-trial messages go to the bar in a terminal; elsewhere every one is printed.
      if (!(process.stdout.isTTY && /^\d+\/\d+ trials/.test(e.message))) print(`→ ${e.step}: ${e.message}`);
      cursor = e.seq;
    }
  };
  const line = (text: string, force: boolean): void => {
    if (text === lastLine || (!force && Date.now() - lastCountAt < COUNT_EVERY_MS)) return;
    print(`  ${text}`);
    lastLine = text;
    lastCountAt = Date.now();
  };
  const trials = (progress: LifecycleProgress): void => {
    const optimizing = progress.steps.some((s) => s.uses === 'optimize' && s.state === 'running');
    if (optimizing && progress.trialsTotal > 0 && process.stdout.isTTY) {
      if (!barStarted) bar.start(progress.trialsTotal, progress.trialsDone);
      barStarted = true;
      bar.update(progress.trialsDone);
    }
  };
  /** One poll: every event after the cursor (page by page), then the state line. False when the run cannot be asked now. */
  const poll = async (last: boolean): Promise<boolean> => {
    if (legacy) {
      const progress = await live.query(progressQuery).catch(() => null);
      if (!progress) return false;
      events(progress.events.filter((e) => e.seq > cursor));
      if (progress.steps.length) line(stepsLine(progress), true);
      trials(progress);
      return true;
    }
    let page: ProgressSince;
    try {
      page = await live.query(progressSinceQuery, cursor);
    } catch (err) {
      if (notRegistered(err)) legacy = true; // a run on a worker from before the cursor
      return false;
    }
    // A continued run holds its predecessor's last events only: say so rather than skip silently.
    if (cursor > 0 && page.oldestSeq > cursor + 1) print(`  (${page.oldestSeq - cursor - 1} step messages passed while this follower could not ask; mlcycle status lists every step)`);
    events(page.events);
    while (page.events.length > 0 && page.lastSeq > cursor) {
      page = await live.query(progressSinceQuery, cursor);
      events(page.events);
    }
    if (page.total > 0 && page.total <= NAMED_STEPS) {
      const full = await live.query(progressQuery).catch(() => null);
      if (full) {
        line(stepsLine(full), true);
        trials(full);
      }
    } else if (page.total > 0) line(countsLine(page), last);
    return true;
  };
  // Poll until the run ends, then once more for its last steps. A failed query (no worker right now) is retried.
  for (let last = false; !last; ) {
    last = finished;
    const asked = await poll(last).catch(() => false);
    if (!asked && legacy) await poll(last).catch(() => false);
    if (!last) await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 400))]);
  }
  if (barStarted) bar.stop();
  return result;
}
