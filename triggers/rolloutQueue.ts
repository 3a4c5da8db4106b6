// How versions queued for a rollout read ("queued behind rollout of v2"), in `rollout status` and `mlcycle status`.
import type { RolloutState } from '../contracts/rollout.js';
import type { RolloutRequestRow } from '../lib/store/rolloutRequests.js';

/** Where the i-th queued request (oldest first) of a model waits; `running` is the version in rollout, if any. */
export function queuedBehind(queued: RolloutRequestRow[], i: number, running: number | null): string {
  if (i > 0) return `queued behind v${queued[i - 1].version} (which waits too)`;
  if (running !== null) return `queued behind rollout of v${running}`;
  return `queued, next: no rollout runs (npx mlcycle rollout start ${queued[i].modelName} --version ${queued[i].version} --reason "…" starts it now)`;
}

/** The `rollout status` lines for a model's queue, given its live state (null when it never had a rollout). */
export function formatQueue(queued: RolloutRequestRow[], state: RolloutState | null): string[] {
  const running = state && (state.status === 'running' || state.status === 'paused') ? state.challengerVersion : null;
  return queued.map((q, i) =>
    `  queued    ${q.modelName}@${q.version} ${queuedBehind(queued, i, running)}; requested by ${q.requestedBy} at ${q.requestedAt} (${q.reason}); policy of definition ${q.definition.name}@${q.definition.version}`,
  );
}
