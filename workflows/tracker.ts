// The lifecycle run's live state: each step's state and messages, where people look (query, MlcycleStep, details).
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { STEP_ATTRIBUTE } from '../contracts/names.js';
import type { PlannedStep } from '../contracts/steps.js';
import type { LifecycleProgress, StepState } from '../contracts/types.js';

const MAX_EVENTS = 100;

export class RunTracker {
  readonly progress: LifecycleProgress = { step: 'planning', steps: [], trialsDone: 0, trialsTotal: 0, message: 'planning', events: [] };

  constructor(private readonly reason: string) {}

  plan(steps: PlannedStep[]): void {
    this.progress.steps = steps.map((s) => ({ id: s.id, uses: s.uses, needs: s.needs, state: 'pending', message: '', durationMs: null }));
  }

  /** A message from a step (shown by `mlcycle run` and in the run's details). */
  report(stepId: string, message: string): void {
    const step = this.progress.steps.find((s) => s.id === stepId);
    if (step) step.message = message;
    this.progress.message = message;
    this.progress.events.push({ seq: (this.progress.events.at(-1)?.seq ?? 0) + 1, step: stepId, message });
    if (this.progress.events.length > MAX_EVENTS) this.progress.events.shift();
    this.show();
  }

  set(stepId: string, state: StepState, message: string, durationMs: number | null = null): void {
    const step = this.progress.steps.find((s) => s.id === stepId);
    if (step) {
      step.state = state;
      if (durationMs !== null) step.durationMs = durationMs;
    }
    const running = this.progress.steps.filter((s) => s.state === 'running').map((s) => s.id);
    // A failed run keeps the step that failed; otherwise the running steps (or "done" at the end).
    if (state === 'failed') this.progress.step = stepId;
    else if (this.progress.step !== 'failed' && !this.progress.steps.some((s) => s.state === 'failed')) {
      this.progress.step = running.length ? running.join(',') : this.progress.steps.every((s) => s.state === 'done' || s.state === 'reused') ? 'done' : this.progress.step;
    }
    upsertSearchAttributes([{ key: STEP_ATTRIBUTE, value: this.progress.step }]);
    this.report(stepId, message);
  }

  private show(): void {
    const icon: Record<StepState, string> = { pending: '·', running: '▶', done: '✓', reused: '↺', failed: '✗', cancelled: '⊘' };
    const rows = this.progress.steps.map((s) => `| ${icon[s.state]} ${s.state} | ${s.id} | ${s.uses} | ${s.message.replace(/\|/g, '/').slice(0, 160)} |`);
    setCurrentDetails(`**${this.progress.step}** — ${this.progress.message}\n\n| state | step | uses | last message |\n|---|---|---|---|\n${rows.join('\n')}\n\nreason: ${this.reason}`);
  }
}
