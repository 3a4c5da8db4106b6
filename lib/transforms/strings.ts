// String functions inside the graph (lower, trim) and the raw string input's blank → "" rule the trainer's loader follows.
import { attr, TensorDataType } from '../onnx/model.js';
import { ML_DOMAIN, MS_DOMAIN, type GraphBuilder } from './graphBuilder.js';

/** Whitespace `trim` removes (ASCII, as RE2's and the arquero regex's classes agree on it). */
export const SPACE = ' \\t\\n\\v\\f\\r';

/** trim: Tokenizer (mark=1) keeps the one run from the first to the last non-space; a missing run is the end mark → "". */
export function trimOnnx(g: GraphBuilder, s: string): string {
  const tokens = g.op('Tokenizer', [s], { mark: attr.int(1), mincharnum: attr.int(1), pad_value: attr.string(''), tokenexp: attr.string(`(?s)[^${SPACE}](?:.*[^${SPACE}])?`) }, MS_DOMAIN);
  // A batch of only blank strings gives no tokens at all: two end marks appended keep index 1 present.
  const shape = g.op('Concat', [g.op('Shape', [s]), g.int64([2])], { axis: attr.int(0) });
  const marks = g.op('Expand', [g.string('\u0003'), shape]);
  const withMarks = g.op('Concat', [tokens, marks], { axis: attr.int(2) });
  const second = g.op('Gather', [withMarks, g.int64([1], [])], { axis: attr.int(2) });
  const end = g.op('LabelEncoder', [second], { keys_strings: attr.strings(['\u0003']), values_floats: attr.floats([1]), default_float: attr.float(0) }, ML_DOMAIN);
  return g.op('Where', [g.op('Cast', [end], { to: attr.int(TensorDataType.BOOL) }), g.string(''), second]);
}

/** lower: StringNormalizer reads [1, C], so [N, 1] is flattened to [1, N] and back. */
export function lowerOnnx(g: GraphBuilder, s: string): string {
  const row = g.op('Reshape', [s, g.int64([1, -1])]);
  const lowered = g.op('StringNormalizer', [row], { case_change_action: attr.string('LOWER'), locale: attr.string('C.UTF-8') });
  return g.op('Reshape', [lowered, g.int64([-1, 1])]);
}

/** A raw string column as the trainer's loader reads it: a blank value (spaces only) is missing, "". */
export function rawString(g: GraphBuilder, s: string): string {
  return g.op('Where', [g.isEmpty(trimOnnx(g, s)), g.string(''), s]);
}
