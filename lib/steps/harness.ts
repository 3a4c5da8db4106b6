// Runs one user step without Temporal, as the engine would: its `with` checked by its schema, tables kept in memory, outputs checked.
import { createHash } from 'node:crypto';
import type { ColumnTable } from 'arquero';
import { z } from 'zod';
import { fromArquero, toArquero } from './arquero.js';
import type { StepContext, UserStep } from './define.js';
import { stepContractIssues } from './loader.js';
import { checkStepOutputs } from './outputs.js';
import type { DatasetRef, JsonValue, StepInputs } from './refs.js';
import type { Table } from '../data/table.js';
import { postWebhook } from '../webhooks/post.js';

export interface RunStepOptions {
  /** The step's `with`, as a pipeline would give it (checked by the step's config schema, defaults filled in). */
  with?: unknown;
  /** What upstream steps hand it: a table as `dataset` (typed and stored as the engine would), small JSON as `data`, other references as they are. */
  inputs?: Omit<StepInputs, 'dataset'> & { dataset?: ColumnTable | DatasetRef };
  /** The step's id in the pipeline (default: its name) and the attempt (default 1), as ctx shows them. */
  stepId?: string;
  attempt?: number;
  /** Aborting it cancels the step, as a cancelled run would. */
  signal?: AbortSignal;
}

export interface RunStepResult {
  summary?: string;
  data?: { [key: string]: JsonValue };
  /** The dataset it produced, and that dataset as the next step would load it. */
  dataset?: DatasetRef;
  table?: ColumnTable;
  /** Every ctx.progress message and log line, in order. */
  progress: string[];
  logs: { level: 'info' | 'warn' | 'error'; message: string }[];
}

/** A step's contract or its `with` broken: the definition check would refuse the pipeline for the same reasons. */
export class StepCheckError extends Error {
  override name = 'StepCheckError';
}

/**
 * Runs `step` once. Throws StepCheckError for a step object or `with` the engine would refuse (every problem named by
 * its path), StepOutputError for a result that breaks the step's contract, and whatever the step throws (a StepError).
 */
export async function runStep(step: UserStep, o: RunStepOptions = {}): Promise<RunStepResult> {
  const contract = stepContractIssues(step);
  if (contract.length > 0) throw new StepCheckError(`not a step:\n${contract.map((p) => `  - ${p}`).join('\n')}`);
  const config = (step.config ?? z.object({}).strict()).safeParse(o.with ?? {});
  if (!config.success) {
    throw new StepCheckError(`step ${step.name}: with is invalid:\n${config.error.issues.map((i) => `  - ${['with', ...i.path.map(String)].join('.')}: ${i.message}`).join('\n')}`);
  }
  const tables = new Map<string, Table>();
  const store = (table: Table, source: string): DatasetRef => {
    const id = createHash('sha256').update(`${tables.size}:${source}:${table.rows}`).digest('hex');
    tables.set(id, table);
    return { id, uri: `memory:${id}`, rows: table.rows, columns: table.columns.map((c) => ({ name: c.name, kind: c.kind })), source, profileUri: '' };
  };
  const { dataset, ...rest } = o.inputs ?? {};
  const inputs: StepInputs = { ...rest };
  if (dataset) inputs.dataset = 'uri' in dataset && typeof dataset.uri === 'string' ? dataset : store(fromArquero(dataset as ColumnTable, 'input'), 'the test input');
  const progress: string[] = [];
  const logs: RunStepResult['logs'] = [];
  const line = (level: RunStepResult['logs'][number]['level']) => (message: string) => void logs.push({ level, message });
  const stepId = o.stepId ?? step.name;
  const ctx: StepContext = {
    runId: 'test-run', pipeline: 'test', pipelineVersion: 'test', stepId, attempt: o.attempt ?? 1,
    progress: (m) => void progress.push(m),
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    signal: o.signal ?? new AbortController().signal,
    loadTable: async (ref) => {
      const t = tables.get(ref.id);
      if (!t) throw new StepCheckError(`no table ${ref.id} in this test (a DatasetRef from another run cannot be loaded here: pass a table as inputs.dataset)`);
      return toArquero(t);
    },
    saveTable: async (table, s) => store(fromArquero(table, s?.source ?? stepId), s?.source ?? `step ${stepId} of test-run`),
    webhook: (url, event, w) => postWebhook(url, event, { timeoutMs: w?.timeoutMs, signal: ctx.signal }),
  };
  const outputs = checkStepOutputs(`step "${stepId}" (${step.name})`, step.produces ?? [], await step.run(ctx, { inputs, config: config.data }));
  const produced = outputs.dataset ? tables.get(outputs.dataset.id) : undefined;
  return { summary: outputs.summary, data: outputs.data, dataset: outputs.dataset, table: produced ? toArquero(produced) : undefined, progress, logs };
}
