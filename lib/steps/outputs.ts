// A user step's result checked against its contract (what it declared it produces, nothing large): the engine's and the harness's one check.
import { canonicalJson } from './cacheKey.js';
import type { StepRunResult } from './define.js';
import type { StepOutputs } from './refs.js';

/** A result that breaks the step's contract: the engine ends the run StepRejected (not retried: the code must change). */
export class StepOutputError extends Error {
  override name = 'StepOutputError';
}


/** The most JSON `data` a step may hand on: larger results belong in a table (ctx.saveTable). */
export const MAX_DATA_BYTES = 64 * 1024;

/** The result as outputs, or a StepOutputError naming `where` (e.g. `step "prepare" (derive-features)`) and the problem. */
export function checkStepOutputs(where: string, produces: readonly string[], result: StepRunResult | undefined): StepOutputs {
  if (result === null || typeof result !== 'object') throw new StepOutputError(`${where} returned ${String(result)}, expected an object such as { dataset, data, summary }`);
  const extra = Object.keys(result).filter((k) => !['dataset', 'data', 'summary'].includes(k));
  if (extra.length) throw new StepOutputError(`${where} returned unknown field(s) ${extra.join(', ')} (allowed: dataset, data, summary)`);
  for (const kind of ['dataset', 'data'] as const) {
    if (produces.includes(kind) && result[kind] === undefined) throw new StepOutputError(`${where} declares it produces "${kind}" but returned none`);
    if (!produces.includes(kind) && result[kind] !== undefined) throw new StepOutputError(`${where} returned "${kind}" without declaring it in produces`);
  }
  if (result.dataset && (typeof result.dataset.id !== 'string' || typeof result.dataset.uri !== 'string')) {
    throw new StepOutputError(`${where} returned a dataset that is not a reference from ctx.saveTable`);
  }
  if (result.data !== undefined) {
    if (typeof result.data !== 'object' || result.data === null || Array.isArray(result.data)) throw new StepOutputError(`${where}: "data" must be a JSON object`);
    const bytes = Buffer.byteLength(canonicalJson(result.data));
    if (bytes > MAX_DATA_BYTES) throw new StepOutputError(`${where} returned ${bytes} bytes of data (at most ${MAX_DATA_BYTES}): store large results with ctx.saveTable`);
  }
  if (result.summary !== undefined && typeof result.summary !== 'string') throw new StepOutputError(`${where}: "summary" must be text`);
  return { ...(result.dataset ? { dataset: result.dataset } : {}), ...(result.data ? { data: result.data } : {}), summary: result.summary?.slice(0, 500) };
}
