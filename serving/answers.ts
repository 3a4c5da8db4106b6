// A request's answers as scoring gave them (flat labels, probabilities or values per variant); per-instance objects only when asked.
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import { instanceId } from '../lib/store/predictionRows.js';
import type { RequestIds } from './logRecord.js';
import type { Variant } from './router.js';

/** A classifier's answer for one instance: its label and every class's probability. */
export interface ClassPrediction {
  requestId: string;
  label: string;
  probabilities: Record<string, number>;
  variant: Variant;
  version: number;
}

/** A regressor's answer for one instance. */
export interface ValuePrediction {
  requestId: string;
  value: number;
  variant: Variant;
  version: number;
}

export type Prediction = ClassPrediction | ValuePrediction;

/** Instance i's request id: the client's, or the base with i in its last four hex digits. */
export function requestIdOf(ids: RequestIds): (i: number) => string {
  if ('sent' in ids) {
    const { sent } = ids;
    return (i) => sent[i];
  }
  const { base } = ids;
  return (i) => instanceId(base, i);
}

/** One pool call's answers: row k of `out` answers the request's instance `indices[k]` (k itself when indices is null). */
export interface AnswerPart {
  variant: Variant;
  version: number;
  /** The version's classes, in probability order (its signature's); empty for a regressor. */
  classes: readonly string[];
  out: BatchOutput;
  indices: readonly number[] | null;
}

/**
 * A class map's keys in the order JavaScript gives them (integer-like names first) and, per key, the class index whose
 * probability it holds (the last of equal names): what `{[classes[j]]: p[j]}` makes, without making it. Cached per classes.
 */
const keyOrders = new WeakMap<readonly string[], { keys: string[]; from: number[]; last: number[] }>();
export function classKeys(classes: readonly string[]): { keys: string[]; from: number[]; last: number[] } {
  let o = keyOrders.get(classes);
  if (o) return o;
  const at: Record<string, number> = {};
  for (let j = 0; j < classes.length; j++) at[classes[j]] = j;
  const keys = Object.keys(at);
  o = { keys, from: keys.map((k) => at[k]), last: classes.map((c) => at[c]) };
  keyOrders.set(classes, o);
  return o;
}

const hex4: string[] = [];
/** The last four hex digits of instance `i`'s id (instanceId's), made once per index. */
export function idSuffix(i: number): string {
  return (hex4[i] ??= i.toString(16).padStart(4, '0'));
}

/** The answers of one request: what predict returns; `predictions` makes the per-instance objects (the OIP path, tests). */
export class RequestAnswers {
  private located: { part: Uint8Array; row: Int32Array } | null = null;
  private made: Prediction[] | null = null;

  constructor(
    readonly model: string,
    readonly n: number,
    readonly ids: RequestIds,
    readonly parts: readonly AnswerPart[],
  ) {
    this.idOf = requestIdOf(ids);
  }

  /** Instance i's request id. */
  readonly idOf: (i: number) => string;

  /** Which part answered each instance, and its row there (a request with one part in order needs neither). */
  locate(): { part: Uint8Array; row: Int32Array } {
    if (this.located) return this.located;
    const part = new Uint8Array(this.n);
    const row = new Int32Array(this.n);
    this.parts.forEach((p, q) => {
      const m = p.indices ? p.indices.length : this.n;
      for (let k = 0; k < m; k++) {
        const i = p.indices ? p.indices[k] : k;
        part[i] = q;
        row[i] = k;
      }
    });
    return (this.located = { part, row });
  }

  get predictions(): Prediction[] {
    if (this.made) return this.made;
    const { part, row } = this.locate();
    const made = new Array<Prediction>(this.n);
    for (let i = 0; i < this.n; i++) {
      const p = this.parts[part[i]];
      const k = row[i];
      const { out, variant, version } = p;
      if (out.task === 'regression') {
        made[i] = { requestId: this.idOf(i), value: out.values[k], variant, version };
        continue;
      }
      const c = p.classes.length;
      const probabilities: Record<string, number> = {};
      for (let j = 0; j < c; j++) probabilities[p.classes[j]] = out.probabilities[k * c + j];
      made[i] = { requestId: this.idOf(i), label: out.labels[k], probabilities, variant, version };
    }
    return (this.made = made);
  }
}

/** The outputs for some instances of a request (request positions, in order), gathered from the parts that answered them. */
export function gatherOutput(answers: RequestAnswers, positions: readonly number[]): BatchOutput {
  const { part, row } = answers.locate();
  const m = positions.length;
  const first = answers.parts[part[positions[0]]].out;
  if (first.task === 'regression') {
    const values = new Float32Array(m);
    for (let k = 0; k < m; k++) {
      const out = answers.parts[part[positions[k]]].out;
      values[k] = out.task === 'regression' ? out.values[row[positions[k]]] : NaN;
    }
    return { task: 'regression', values };
  }
  const c = first.classes;
  const labels = new Array<string>(m);
  const probabilities = new Float32Array(m * c);
  for (let k = 0; k < m; k++) {
    const out = answers.parts[part[positions[k]]].out;
    if (out.task === 'regression') throw new Error('a variant answered with values where its record holds classes');
    const r = row[positions[k]];
    labels[k] = out.labels[r];
    probabilities.set(out.probabilities.subarray(r * c, (r + 1) * c), k * c);
  }
  return { task: 'classification', labels, probabilities, classes: c };
}
