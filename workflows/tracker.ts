// The lifecycle run's live state: each step's state and messages, where people look (queries, MlcycleStep, details), bounded in N.
import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { progressQuery, progressSinceQuery, STEP_ATTRIBUTE } from '../contracts/names.js';
import type { PlannedStep } from '../contracts/steps.js';
import type { LifecycleProgress, ProgressSince, StepProgress, StepState } from '../contracts/types.js';

/** The `progress` query's events (compatibility: followers use `progressSince`). */
const RECENT_EVENTS = 100;
/** Events a run holds for `progressSince`; older ones are dropped (a follower polls far more often than this fills). */
const KEPT_EVENTS = 50_000;
/** Events a continued run carries from its predecessor. */
export const CARRIED_EVENTS = 1000;
const PAGE = 2000;
/** Running steps named in the search attribute and the details (the rest are counted). */
const NAMED = 20;
const ICON: Record<StepState, string> = { pending: '·', running: '▶', done: '✓', reused: '↺', failed: '✗', cancelled: '⊘' };

export type ProgressEvent = LifecycleProgress['events'][number];

export class RunTracker {
  readonly progress: LifecycleProgress = { step: 'planning', steps: [], trialsDone: 0, trialsTotal: 0, message: 'planning', events: [] };
  private readonly byId = new Map<string, StepProgress>();
  private readonly running = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly counts: Record<StepState, number> = { pending: 0, running: 0, done: 0, reused: 0, failed: 0, cancelled: 0 };
  private log: ProgressEvent[] = [];
  private seq = 0;
  private attribute: string | null = null;
  private sinceUpsert = 0;

  /** `sparse`: upsert MlcycleStep only when its value changes (runs that began on the v1 engine upsert at every transition). */
  constructor(private readonly reason: string, private readonly sparse = false) {
    setHandler(progressQuery, () => this.progress);
    setHandler(progressSinceQuery, (after: number) => this.since(after));
  }

  plan(steps: PlannedStep[]): void {
    this.progress.steps = steps.map((s) => ({ id: s.id, uses: s.uses, needs: s.needs, state: 'pending', message: '', durationMs: null }));
    this.byId.clear();
    for (const s of this.progress.steps) this.byId.set(s.id, s);
    this.counts.pending = steps.length;
  }

  /** A continued run: its predecessor's finished steps and last events, without new events. */
  carry(finished: { id: string; state: 'done' | 'reused' }[], events: ProgressEvent[]): void {
    for (const f of finished) this.move(f.id, f.state);
    this.log = [...events];
    this.seq = events.at(-1)?.seq ?? 0;
  }

  /** The last events, for a continued run to carry. */
  tail(): ProgressEvent[] {
    return this.log.slice(-CARRIED_EVENTS);
  }

  /** A message from a step (shown by `mlcycle run` and in the run's details). */
  report(stepId: string, message: string): void {
    const step = this.byId.get(stepId);
    if (step) step.message = message;
    this.progress.message = message;
    const event = { seq: ++this.seq, step: stepId, message };
    this.log.push(event);
    if (this.log.length > KEPT_EVENTS) this.log.splice(0, this.log.length - KEPT_EVENTS);
    this.progress.events.push(event);
    if (this.progress.events.length > RECENT_EVENTS) this.progress.events.shift();
    this.show();
  }

  set(stepId: string, state: StepState, message: string, durationMs: number | null = null): void {
    const step = this.move(stepId, state);
    if (step && durationMs !== null) step.durationMs = durationMs;
    // A failed run keeps the step that failed; otherwise the running steps (or "done" at the end).
    if (state === 'failed') this.progress.step = stepId;
    else if (this.counts.failed === 0) {
      const finished = this.counts.done + this.counts.reused === this.progress.steps.length;
      this.progress.step = this.running.size ? this.runningLabel() : finished ? 'done' : this.progress.step;
    }
    // Sparse (v2): only a changed value, and while more steps run than it names, once every 16 transitions (a count,
    // the same live and on replay; not the workflow task, which local activities make differ); flush() ends it.
    this.sinceUpsert++;
    const crowded = this.running.size > NAMED && state !== 'failed';
    if (!this.sparse || (this.attribute !== this.progress.step && (!crowded || this.sinceUpsert >= 16))) this.upsert();
    this.report(stepId, message);
  }

  /** The attribute as the run ends (a value changed after the last upsert of its workflow task is written now). */
  flush(): void {
    if (this.attribute !== this.progress.step) this.upsert();
  }

  private upsert(): void {
    upsertSearchAttributes([{ key: STEP_ATTRIBUTE, value: this.progress.step }]);
    this.attribute = this.progress.step;
    this.sinceUpsert = 0;
  }

  since(after: number): ProgressSince {
    const first = this.log.findIndex((e) => e.seq > after);
    return {
      step: this.progress.step, total: this.progress.steps.length, counts: { ...this.counts }, running: [...this.running].slice(0, NAMED),
      trialsDone: this.progress.trialsDone, trialsTotal: this.progress.trialsTotal, message: this.progress.message,
      events: first < 0 ? [] : this.log.slice(first, first + PAGE), oldestSeq: this.log[0]?.seq ?? this.seq + 1, lastSeq: this.seq,
    };
  }

  private move(stepId: string, state: StepState): StepProgress | undefined {
    const step = this.byId.get(stepId);
    if (!step) return undefined;
    this.counts[step.state]--;
    this.counts[state]++;
    step.state = state;
    if (state === 'running') this.running.add(stepId);
    else this.running.delete(stepId);
    if (state === 'failed') this.failed.add(stepId);
    return step;
  }

  /** The running steps, the first few by name: bounded well under the 2,048 bytes of a Keyword search attribute. */
  private runningLabel(): string {
    const named = [...this.running].slice(0, NAMED);
    const more = this.running.size - named.length;
    return more > 0 ? `${named.join(',')},… (+${more} running)` : named.join(',');
  }

  private show(): void {
    const c = this.counts;
    const total = this.progress.steps.length;
    const small = total <= 50;
    const shown = small ? this.progress.steps : [...this.failed, ...[...this.running].slice(0, NAMED)].map((id) => this.byId.get(id) as StepProgress);
    const rows = shown
      .map((s) => `| ${ICON[s.state]} ${s.state} | ${s.id} | ${s.uses} | ${s.message.replace(/\|/g, '/').slice(0, 160)} |`);
    const tally = `${c.done + c.reused}/${total} steps finished (${c.done} ran, ${c.reused} reused), ${c.running} running, ${c.pending} pending${c.failed ? `, ${c.failed} failed` : ''}`;
    setCurrentDetails(
      `**${this.progress.step}** — ${this.progress.message}\n\n${tally}\n\n| state | step | uses | last message |\n|---|---|---|---|\n${rows.join('\n')}\n\nreason: ${this.reason}`,
    );
  }
}
