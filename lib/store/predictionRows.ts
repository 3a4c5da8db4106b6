// The prediction record, owned here: a logged prediction as typed columns, its COPY text line and its versioned spill line.
import { z } from 'zod';

/** The order in which a version's features and classes are logged: from its signature, fixed for the version. */
export interface LogLayout {
  numeric: readonly string[];
  categorical: readonly string[];
  /** The classifier's classes in probability order; empty for a regressor. */
  classes: readonly string[];
}

export type LoggedVariant = 'champion' | 'challenger' | 'shadow';

export interface PredictionLogEntry {
  requestId: string;
  modelName: string;
  modelVersion: number;
  variant: LoggedVariant;
  /** The unit (user, device, session) the client named, as logged (a keyed hash when the version has pii rules); absent or null: none. */
  unit?: string | null;
  /** When the answer was logged (ms since the epoch): the row's time and day partition, kept across retries. */
  at: number;
  layout: LogLayout;
  /** The layout's numeric features (null: missing). */
  num: (number | null)[];
  cat: (string | null)[];
  /** Fields the client sent besides the layout's features; null when none. */
  extra: Record<string, unknown> | null;
  /** A classifier's label and probabilities (in layout.classes order); null for a regressor. */
  label: string | null;
  prob: number[] | null;
  /** A regressor's value; null for a classifier. */
  value: number | null;
  latencyMs: number;
}

/** Entries written together under one id: the unit of a write, of a retry and of the spill. */
export interface PredictionBatch {
  batchId: string;
  entries: PredictionLogEntry[];
}

/** The layout's features of a request record, and whatever else it carries (a field of another kind included). */
export function typedInput(layout: LogLayout, input: Record<string, unknown>): Pick<PredictionLogEntry, 'num' | 'cat' | 'extra'> {
  let kept = 0;
  const num = layout.numeric.map((name) => {
    const v = input[name];
    if (v === null || (typeof v === 'number' && Number.isFinite(v))) kept++;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
  const cat = layout.categorical.map((name) => {
    const v = input[name];
    if (v === null || typeof v === 'string') kept++;
    return typeof v === 'string' ? v : null;
  });
  let keys = 0;
  for (const key in input) if (Object.hasOwn(input, key)) keys++;
  if (keys === kept) return { num, cat, extra: null };
  const extra: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    const i = layout.numeric.indexOf(key);
    if (i >= 0 && (v === null || num[i] !== null)) continue;
    const j = layout.categorical.indexOf(key);
    if (j >= 0 && (v === null || cat[j] !== null)) continue;
    extra[key] = v;
  }
  return { num, cat, extra };
}

/** COPY text format: backslash, tab, newline and carriage return escaped. */
function field(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

function numberArray(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || Number.isNaN(v) ? 'NULL' : String(v);
  }
  return out + '}';
}

function textArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null ? 'NULL' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  return out + '}';
}

const NULL = '\\N';

/** The COPY columns, in the order copyLine writes them. */
export const COPY_COLUMNS = 'created_at, request_id, model_name, model_version, variant, num, cat, extra, label, prob, value, latency_ms, unit_id';

let lastAt = NaN;
let lastIso = '';

/** An entry's time as ISO text; the entries of one request share it, so it is made once per change. */
function isoOf(at: number): string {
  if (at !== lastAt) {
    lastAt = at;
    lastIso = new Date(at).toISOString();
  }
  return lastIso;
}

/** One row of COPY text input (with its newline) for an entry. */
export function copyLine(e: PredictionLogEntry): string {
  return (
    `${isoOf(e.at)}\t${field(e.requestId)}\t${field(e.modelName)}\t${e.modelVersion}\t${e.variant}\t` +
    `${e.num.length > 0 ? numberArray(e.num) : NULL}\t${e.cat.length > 0 ? field(textArray(e.cat)) : NULL}\t` +
    `${e.extra ? field(JSON.stringify(e.extra)) : NULL}\t${e.label === null ? NULL : field(e.label)}\t` +
    `${e.prob ? numberArray(e.prob) : NULL}\t${e.value === null || !Number.isFinite(e.value) ? NULL : String(e.value)}\t${e.latencyMs}\t` +
    `${e.unit === undefined || e.unit === null ? NULL : field(e.unit)}\n`
  );
}

/** The spill line's format version: a line without one is version 0 (the same shape, written before versions existed). */
export const SPILL_VERSION = 1;

const entrySchema = z.object({
  requestId: z.string().min(1), modelName: z.string().min(1), modelVersion: z.number().int().positive(),
  variant: z.enum(['champion', 'challenger', 'shadow']), unit: z.string().nullable().optional(), at: z.number().finite(),
  layout: z.object({ numeric: z.array(z.string()), categorical: z.array(z.string()), classes: z.array(z.string()) }),
  num: z.array(z.number().nullable()), cat: z.array(z.string().nullable()), extra: z.record(z.string(), z.unknown()).nullable(),
  label: z.string().nullable(), prob: z.array(z.number()).nullable(), value: z.number().nullable(), latencyMs: z.number(),
});
const lineSchema = z.object({ v: z.union([z.literal(0), z.literal(SPILL_VERSION)]).default(0), batchId: z.string().min(1), entries: z.array(entrySchema) });

/** One batch as a line of the spill file (JSON, with its format version). */
export function spillLine(batch: PredictionBatch): string {
  return JSON.stringify({ v: SPILL_VERSION, batchId: batch.batchId, entries: batch.entries });
}

/** A spill line read back: the batch, or what is wrong with it, named by path (a torn last line, a newer format). */
export function parseSpillLine(line: string): { batch: PredictionBatch } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message}); a line cut short by a crash looks like this` };
  }
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof v === 'number' && v > SPILL_VERSION) return { problem: `format version ${v} is newer than this build reads (${SPILL_VERSION})` };
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) return { problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ') };
  const { batchId, entries } = parsed.data;
  return { batch: { batchId, entries: entries as PredictionLogEntry[] } };
}
