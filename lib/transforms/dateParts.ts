// A date column's calendar parts inside the graph: the digits of its ISO text (Tokenizer), then the weekday by arithmetic.
import { attr, TensorDataType } from '../onnx/model.js';
import { MS_DOMAIN, type GraphBuilder } from './graphBuilder.js';

export type DatePart = 'year' | 'month' | 'day' | 'hour' | 'dayofweek';

/**
 * year, month, day, hour as double [N, 1] from `YYYY-MM-DD[THH…]` text: com.microsoft Tokenizer keeps the digit runs
 * (padded with "nan"), Cast → double, Pad with NaN to at least four, Gather each. "" (missing) → NaN for every part;
 * a date without a time has hour 0. Parts are those written: a ±HH:MM offset is not applied (the trainer reads UTC).
 */
function calendar(g: GraphBuilder, input: string): string[] {
  const key = `calendar:${input}`;
  const known = g.cache.get(key);
  if (known) return known;
  const tokens = g.op('Tokenizer', [input], { mark: attr.int(0), mincharnum: attr.int(1), pad_value: attr.string('nan'), tokenexp: attr.string('[0-9]+') }, MS_DOMAIN);
  const numbers = g.op('Cast', [tokens], { to: attr.int(TensorDataType.DOUBLE) });
  const padded = g.op('Pad', [numbers, g.int64([0, 0, 0, 0, 0, 4]), g.double(NaN)], { mode: attr.string('constant') });
  const [year, month, day, rawHour] = [0, 1, 2, 3].map((i) => g.op('Gather', [padded, g.int64([i], [])], { axis: attr.int(2) }));
  const dateOnly = g.op('And', [g.isNaN(rawHour), g.op('Not', [g.isNaN(year)])]);
  const hour = g.op('Where', [dateOnly, g.double(0), rawHour]);
  const parts = [year, month, day, hour];
  g.cache.set(key, parts);
  return parts;
}

/** floor(a / b) in double. */
function floorDiv(g: GraphBuilder, a: string, b: number): string {
  return g.op('Floor', [g.op('Div', [a, g.double(b)])]);
}

/** 0 = Sunday … 6 = Saturday, from days since 1970-01-01 (days_from_civil on the proleptic Gregorian calendar). */
function dayOfWeek(g: GraphBuilder, year: string, month: string, day: string): string {
  const early = g.op('LessOrEqual', [month, g.double(2)]);
  const y = g.op('Sub', [year, g.op('Where', [early, g.double(1), g.double(0)])]);
  const era = floorDiv(g, y, 400);
  const yoe = g.op('Sub', [y, g.op('Mul', [era, g.double(400)])]);
  const mp = g.op('Add', [month, g.op('Where', [early, g.double(9), g.double(-3)])]);
  const doy = g.op('Add', [floorDiv(g, g.op('Add', [g.op('Mul', [mp, g.double(153)]), g.double(2)]), 5), g.op('Sub', [day, g.double(1)])]);
  const doe = g.op('Add', [g.op('Sub', [g.op('Add', [g.op('Mul', [yoe, g.double(365)]), floorDiv(g, yoe, 4)]), floorDiv(g, yoe, 100)]), doy]);
  const days = g.op('Add', [g.op('Mul', [era, g.double(146_097)]), g.op('Sub', [doe, g.double(719_468 - 4)])]);
  return g.op('Sub', [days, g.op('Mul', [floorDiv(g, days, 7), g.double(7)])]);
}

export function datePart(g: GraphBuilder, input: string, part: DatePart): string {
  const [year, month, day, hour] = calendar(g, input);
  return { year, month, day, hour, dayofweek: part === 'dayofweek' ? dayOfWeek(g, year, month, day) : '' }[part];
}
