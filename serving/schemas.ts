// Request bodies of the serving API (zod), and their problems as one readable BadInput message.
import { z } from 'zod';

export const MAX_INSTANCES = 10_000;
export const MAX_FEEDBACK = 10_000;

const requestId = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must be 1-128 characters' })
  .max(128, { error: 'must be 1-128 characters' });

const countError = (what: string, max: number) => (iss: { input: unknown }) =>
  `has ${Array.isArray(iss.input) ? iss.input.length : '?'} ${what}; at most ${max} per request`;

/** A JSON object (what z.record(z.string(), z.unknown()) accepts), checked without copying it: bodies carry up to 10,000. */
const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

export const PredictBody = z.object(
  {
    instances: z
      .array(z.custom<Record<string, unknown>>(isPlainObject, { error: 'must be an object of column values' }), {
        error: (iss) => (iss.input === undefined ? 'is required: an array of records' : 'must be an array of records'),
      })
      .min(1, { error: 'must not be empty' })
      .max(MAX_INSTANCES, { error: countError('records', MAX_INSTANCES) }),
    requestIds: z.array(requestId, { error: 'must be an array of strings, one per instance' }).optional(),
    /** The unit (user, device, session) of each instance: a unit always meets the same variant. */
    unitIds: z.array(requestId, { error: 'must be an array of strings, one per instance' }).optional(),
  },
  { error: 'body must be a JSON object' },
);
export type PredictBody = z.infer<typeof PredictBody>;

export const FeedbackBody = z.object(
  {
    feedback: z
      .array(
        z.object(
          { requestId, label: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(1000) },
          { error: 'must be an object {requestId, label}' },
        ),
        { error: (iss) => (iss.input === undefined ? 'is required: an array of {requestId, label}' : 'must be an array of {requestId, label}') },
      )
      .min(1, { error: 'must not be empty' })
      .max(MAX_FEEDBACK, { error: countError('entries', MAX_FEEDBACK) }),
  },
  { error: 'body must be a JSON object' },
);
export type FeedbackBody = z.infer<typeof FeedbackBody>;

/** `instances[3].x` from ['instances', 3, 'x']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

/** The first issue as "<path> <message>", and how many more there were. */
export function describeIssues(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  const where = formatPath(first.path);
  const text = where === '' ? first.message : `${where} ${first.message}`;
  return rest.length > 0 ? `${text} (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : text;
}

/** The first id that repeats, as a message naming both places (`at(i)` names place i), or null. */
export function findDuplicate(ids: readonly string[], at: (index: number) => string): string | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const first = seen.get(ids[i]);
    if (first !== undefined) return `${at(i)} "${ids[i]}" repeats ${at(first)}`;
    seen.set(ids[i], i);
  }
  return null;
}

/** Most records (predict calls) one edge log batch carries. */
export const MAX_LOG_RECORDS = 1_000;

/** A number or null (JSON's NaN); the log keeps null as NaN, as the server logs its own answers. */
const numberOrNull = z.number({ error: 'must be a number or null' }).nullable();

/** One predict call of an edge bundle, as its log queue posts it (edge/runtime/edgeLog.ts). */
const EdgeLogRecord = z.object(
  {
    requestBase: z
      .string({ error: 'must be a string' })
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8}0000$/, { error: 'must be a UUID whose last four hex digits are 0000' }),
    at: z.number({ error: 'must be a time in ms since the epoch' }).int({ error: 'must be a time in ms since the epoch' }).min(0),
    latencyMs: z.number({ error: 'must be a number of ms' }).min(0),
    instances: PredictBody.shape.instances,
    labels: z.array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' }).optional(),
    probabilities: z.array(numberOrNull, { error: 'must be an array of numbers' }).optional(),
    values: z.array(numberOrNull, { error: 'must be an array of numbers' }).optional(),
  },
  { error: 'must be an object {requestBase, at, latencyMs, instances, labels+probabilities | values}' },
);

export const EdgeLogBody = z.object(
  {
    batchId: z.uuid({ error: 'must be a UUID (the same for a batch sent again)' }),
    version: z.number({ error: 'must be the bundle\'s model version' }).int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' }),
    task: z.enum(['classification', 'regression']).optional(),
    records: z
      .array(EdgeLogRecord, { error: (iss) => (iss.input === undefined ? 'is required: an array of records' : 'must be an array of records') })
      .min(1, { error: 'must not be empty' })
      .max(MAX_LOG_RECORDS, { error: countError('records', MAX_LOG_RECORDS) }),
  },
  { error: 'body must be a JSON object' },
);
export type EdgeLogBody = z.infer<typeof EdgeLogBody>;
