// The v1 predict answer as JSON text, written directly: the same bytes as JSON.stringify, without walking each prediction's objects.
import { classKeys, idSuffix, RequestAnswers } from './answers.js';
import type { PredictResponse } from './predict.js';

/** JSON text of a string: JSON.stringify only when it holds something to escape (ids, labels and class names rarely do). */
const str = (s: string): string => (/["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/.test(s) ? JSON.stringify(s) : `"${s}"`);

/** A number as JSON.stringify writes it (NaN and ±Infinity as null). */
const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** `{"model":...,"predictions":[...]}`, key for key and in the order JSON.stringify gives for the same objects. */
export function predictResponseJson(res: PredictResponse): string {
  if (res instanceof RequestAnswers) return answersJson(res);
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

/** The same text for answers still in scoring's flat outputs: no prediction object is made. */
function answersJson(a: RequestAnswers): string {
  let out = `{"model":${str(a.model)},"predictions":[`;
  const { n, parts } = a;
  if (n === 0) return `${out}]}`;
  // Per part: the keys of its class map (quoted, in object order) with the class each reads, and its answer's tail.
  const keyed = parts.map((p) => {
    const { keys, from } = classKeys(p.classes);
    return { quoted: keys.map((k) => `${str(k)}:`), from, tail: `,"variant":${str(p.variant)},"version":${p.version}}` };
  });
  const labels = new Map<string, string>();
  const located = parts.length === 1 && parts[0].indices === null ? null : a.locate();
  // Server-made ids are a UUID base (hex digits and dashes: nothing to escape) and four hex digits.
  const base = 'base' in a.ids ? `{"requestId":"${a.ids.base.slice(0, 32)}` : null;
  const sent = 'sent' in a.ids ? a.ids.sent : null;
  for (let i = 0; i < n; i++) {
    const q = located ? located.part[i] : 0;
    const k = located ? located.row[i] : i;
    const p = parts[q].out;
    if (i > 0) out += ',';
    out += base !== null ? `${base}${idSuffix(i)}",` : `{"requestId":${str(sent![i])},`;
    if (p.task === 'regression') {
      out += `"value":${num(p.values[k])}`;
    } else {
      const label = p.labels[k];
      let quoted = labels.get(label);
      if (quoted === undefined) labels.set(label, (quoted = str(label)));
      out += `"label":${quoted},"probabilities":{`;
      const { quoted: keys, from } = keyed[q];
      const row = k * p.classes;
      const probs = p.probabilities;
      for (let j = 0; j < keys.length; j++) out += (j > 0 ? ',' : '') + keys[j] + num(probs[row + from[j]]);
      out += '}';
    }
    out += keyed[q].tail;
  }
  return `${out}]}`;
}
