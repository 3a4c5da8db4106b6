// The prediction record, owned here: one request's answers by one variant, column-wise; its binary COPY row and versioned spill line.
import { z } from 'zod';
import { BinaryCopyWriter } from './pgBinary.js';

/** The order in which a version's features and classes are logged: from its signature, fixed for the version. */
export interface LogLayout {
  numeric: readonly string[];
  categorical: readonly string[];
  /** The classifier's classes in probability order; empty for a regressor. */
  classes: readonly string[];
}

export type LoggedVariant = 'champion' | 'challenger' | 'shadow';

/**
 * A request's instances answered by one variant (a split request makes two records). Instance k's id is
 * `requestIds[k]` (sent by the client) or `instanceId(requestBase, idx?.[k] ?? k)` (made by the server).
 */
export interface PredictionRecord {
  /** A UUID whose last four hex digits are 0 (newRequestBase); null when the client sent ids. */
  requestBase: string | null;
  requestIds: string[] | null;
  /** Each instance's index in the request; null: 0 .. n-1. */
  idx: number[] | null;
  modelName: string;
  modelVersion: number;
  variant: LoggedVariant;
  /** When the answers were logged (ms since the epoch): the row's time and day partition, kept across retries. */
  at: number;
  layout: LogLayout;
  n: number;
  /** n × layout.numeric, row-major (null: missing). */
  num: (number | null)[];
  /** n × layout.categorical. */
  cat: (string | null)[];
  /** Per instance, the fields sent besides the layout's features; null when no instance had any. */
  extra: (Record<string, unknown> | null)[] | null;
  /** A classifier's labels and probabilities (n × layout.classes); null for a regressor. */
  label: string[] | null;
  prob: number[] | null;
  /** A regressor's values; null for a classifier. */
  value: number[] | null;
  /** The unit (user, device, session) of each instance, as logged (a keyed hash under pii rules); null when none. */
  units: (string | null)[] | null;
  latencyMs: number;
}

/** Records written together under one id: the unit of a write, of a retry and of the spill. */
export interface PredictionBatch {
  batchId: string;
  records: PredictionRecord[];
}

export const instancesOf = (records: readonly PredictionRecord[]): number => records.reduce((n, r) => n + r.n, 0);

/** A base for a request's instance ids: random, its last four hex digits free for the instance's index. */
export function newRequestBase(uuid: string): string {
  return `${uuid.slice(0, 32)}0000`;
}

/** The id of instance `index` (< 65,536) of a request whose base is `base`. */
export function instanceId(base: string, index: number): string {
  return base.slice(0, 32) + index.toString(16).padStart(4, '0');
}

/** Appends an instance's layout features to `num`/`cat`; returns the fields it carries besides them (null: none). */
export function appendInput(layout: LogLayout, input: Record<string, unknown>, num: (number | null)[], cat: (string | null)[]): Record<string, unknown> | null {
  let kept = 0;
  for (const name of layout.numeric) {
    const v = input[name];
    const ok = typeof v === 'number' && Number.isFinite(v);
    if (ok || v === null) kept++;
    num.push(ok ? v : null);
  }
  for (const name of layout.categorical) {
    const v = input[name];
    if (typeof v === 'string' || v === null) kept++;
    cat.push(typeof v === 'string' ? v : null);
  }
  let keys = 0;
  for (const key in input) if (Object.hasOwn(input, key)) keys++;
  if (keys === kept) return null;
  const extra: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    const i = layout.numeric.indexOf(key);
    if (i >= 0 && (v === null || (typeof v === 'number' && Number.isFinite(v)))) continue;
    const j = layout.categorical.indexOf(key);
    if (j >= 0 && (v === null || typeof v === 'string')) continue;
    extra[key] = v;
  }
  return extra;
}

/** The COPY columns, in the order copyRecord writes them. */
export const COPY_COLUMNS = 'n, created_at, request_base, request_ids, idx, model_name, model_version, variant, unit_ids, num, cat, extra, label, prob, value, latency_ms';
const FIELDS = 16;

/** One binary COPY tuple for a record. */
export function copyRecord(w: BinaryCopyWriter, r: PredictionRecord): void {
  w.tuple(FIELDS);
  w.int4(r.n);
  w.timestamptz(r.at);
  if (r.requestBase === null) w.null();
  else w.uuid(r.requestBase);
  if (r.requestIds === null) w.null();
  else w.textArray(r.requestIds);
  if (r.idx === null) w.null();
  else w.int4Array(r.idx);
  w.text(r.modelName);
  w.int4(r.modelVersion);
  w.text(r.variant);
  if (r.units === null || r.units.every((u) => u === null)) w.null();
  else w.textArray(r.units);
  if (r.num.length === 0) w.null();
  else w.float8Array(r.num);
  if (r.cat.length === 0) w.null();
  else w.textArray(r.cat);
  if (r.extra === null) w.null();
  else w.jsonb(r.extra);
  if (r.label === null) w.null();
  else w.textArray(r.label);
  if (r.prob === null) w.null();
  else w.float4Array(r.prob);
  if (r.value === null) w.null();
  else w.float8Array(r.value);
  w.float4(r.latencyMs);
}

/** A logged answer as it was before records (one instance, its request id as sent): old spill lines hold these. */
export interface LegacyEntry {
  requestId: string; modelName: string; modelVersion: number; variant: LoggedVariant; unit?: string | null; at: number; layout: LogLayout;
  num: (number | null)[]; cat: (string | null)[]; extra: Record<string, unknown> | null; label: string | null; prob: number[] | null;
  value: number | null; latencyMs: number;
}

/** An old entry as a one-instance record, its id kept as sent. */
export function recordOfEntry(e: LegacyEntry): PredictionRecord {
  return {
    requestBase: null, requestIds: [e.requestId], idx: null, modelName: e.modelName, modelVersion: e.modelVersion, variant: e.variant,
    at: e.at, layout: e.layout, n: 1, num: e.num, cat: e.cat, extra: e.extra === null ? null : [e.extra], label: e.label === null ? null : [e.label],
    prob: e.prob, value: e.value === null ? null : [e.value], units: e.unit == null ? null : [e.unit], latencyMs: e.latencyMs,
  };
}

/** The spill line's format version: 2 holds records; 0 (no v) and 1 hold per-instance entries, which still load. */
export const SPILL_VERSION = 2;

const layoutSchema = z.object({ numeric: z.array(z.string()), categorical: z.array(z.string()), classes: z.array(z.string()) });
const variantSchema = z.enum(['champion', 'challenger', 'shadow']);
const entrySchema = z.object({
  requestId: z.string().min(1), modelName: z.string().min(1), modelVersion: z.number().int().positive(), variant: variantSchema,
  unit: z.string().nullable().optional(), at: z.number().finite(), layout: layoutSchema,
  num: z.array(z.number().nullable()), cat: z.array(z.string().nullable()), extra: z.record(z.string(), z.unknown()).nullable(),
  label: z.string().nullable(), prob: z.array(z.number()).nullable(), value: z.number().nullable(), latencyMs: z.number(),
});
const recordSchema = z.object({
  requestBase: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8}0000$/).nullable(),
  requestIds: z.array(z.string().min(1)).nullable(), idx: z.array(z.number().int().nonnegative()).nullable(),
  modelName: z.string().min(1), modelVersion: z.number().int().positive(), variant: variantSchema, at: z.number().finite(), layout: layoutSchema,
  n: z.number().int().positive(), num: z.array(z.number().nullable()), cat: z.array(z.string().nullable()),
  extra: z.array(z.record(z.string(), z.unknown()).nullable()).nullable(), label: z.array(z.string()).nullable(),
  prob: z.array(z.number().nullable()).nullable(), value: z.array(z.number().nullable()).nullable(),
  units: z.array(z.string().nullable()).nullable(), latencyMs: z.number(),
}).superRefine((r, ctx) => {
  const sized = (name: string, len: number | undefined, per: number): void => {
    if (len !== undefined && len !== r.n * per) ctx.addIssue({ code: 'custom', path: [name], message: `has ${len} values for ${r.n} instances × ${per}` });
  };
  if ((r.requestBase === null) === (r.requestIds === null)) ctx.addIssue({ code: 'custom', path: ['requestBase'], message: 'exactly one of requestBase and requestIds is needed' });
  sized('requestIds', r.requestIds?.length, 1);
  sized('idx', r.idx?.length, 1);
  sized('num', r.num.length, r.layout.numeric.length);
  sized('cat', r.cat.length, r.layout.categorical.length);
  sized('extra', r.extra?.length, 1);
  sized('label', r.label?.length, 1);
  sized('prob', r.prob?.length, r.layout.classes.length);
  sized('value', r.value?.length, 1);
  sized('units', r.units?.length, 1);
});
const lineSchema = z.object({ v: z.literal(SPILL_VERSION), batchId: z.string().min(1), records: z.array(recordSchema) });
const legacyLineSchema = z.object({ v: z.union([z.literal(0), z.literal(1)]).default(0), batchId: z.string().min(1), entries: z.array(entrySchema) });

/** One batch as a line of the spill file (JSON, with its format version). */
export function spillLine(batch: PredictionBatch): string {
  return JSON.stringify({ v: SPILL_VERSION, batchId: batch.batchId, records: batch.records });
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
  const problem = (e: z.ZodError): { problem: string } => ({ problem: e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ') });
  if (v === SPILL_VERSION) {
    const parsed = lineSchema.safeParse(value);
    return parsed.success ? { batch: { batchId: parsed.data.batchId, records: parsed.data.records as PredictionRecord[] } } : problem(parsed.error);
  }
  const legacy = legacyLineSchema.safeParse(value);
  if (!legacy.success) return problem(legacy.error);
  return { batch: { batchId: legacy.data.batchId, records: (legacy.data.entries as LegacyEntry[]).map(recordOfEntry) } };
}
