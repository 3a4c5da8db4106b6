// The v1 predict answer as JSON text, written directly: the same bytes as JSON.stringify, without walking each prediction's objects.
import type { PredictResponse } from './predict.js';

/** JSON text of a string: JSON.stringify only when it holds something to escape (ids, labels and class names rarely do). */
const str = (s: string): string => (/["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/.test(s) ? JSON.stringify(s) : `"${s}"`);

/** A number as JSON.stringify writes it (NaN and ±Infinity as null). */
const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** `{"model":...,"predictions":[...]}`, key for key and in the order JSON.stringify gives for the same objects. */
export function predictResponseJson(res: PredictResponse): string {
  let out = `{"model":${str(res.model)},"predictions":[`;
  let keys: string[] | null = null;
  let quoted: string[] = [];
  for (let i = 0; i < res.predictions.length; i++) {
    const p = res.predictions[i];
    if (i > 0) out += ',';
    out += `{"requestId":${str(p.requestId)},`;
    if ('value' in p) {
      out += `"value":${num(p.value)}`;
    } else {
      out += `"label":${str(p.label)},"probabilities":{`;
      const probs = p.probabilities;
      // The classes are the version's, in the same order for every prediction of it: their JSON keys are made once.
      const names = Object.keys(probs);
      if (keys === null || names.length !== keys.length || names.some((n, k) => n !== keys![k])) {
        keys = names;
        quoted = names.map((n) => `${str(n)}:`);
      }
      for (let k = 0; k < names.length; k++) out += (k > 0 ? ',' : '') + quoted[k] + num(probs[names[k]]);
      out += '}';
    }
    out += `,"variant":${str(p.variant)},"version":${p.version}}`;
  }
  return `${out}]}`;
}
