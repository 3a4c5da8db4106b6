// The current watermark of a Postgres query: the maximum of a column that only grows, over the query's rows.
import pg from 'pg';
import { redactConnectionString } from './sources/postgres.js';

/** Why a watermark could not be read: the definition is wrong (column, query), or the database cannot be reached. */
export class WatermarkError extends Error {
  override name = 'WatermarkError';
  constructor(
    message: string,
    readonly kind: 'definition' | 'unreachable',
  ) {
    super(message);
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** SQLSTATE classes that say the query itself is wrong: 42 (syntax, unknown column/table), 22 (data), 0A (unsupported). */
const DEFINITION_CLASSES = ['42', '22', '0A'];

/** max(column) as text (null when the query returns no row or only nulls) and the row count. */
export async function readWatermark(connectionString: string, query: string, column: string): Promise<{ watermark: string | null; rows: number }> {
  const where = redactConnectionString(connectionString);
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000, query_timeout: 60_000 });
  client.on('error', () => {}); // a connection dropped while idle: the query below reports it
  try {
    await client.connect();
  } catch (err) {
    throw new WatermarkError(`cannot reach the retraining source database ${where}: ${(err as Error).message}`, 'unreachable');
  }
  try {
    const sql = `SELECT max(q.${quoteIdent(column)})::text AS watermark, count(*)::bigint AS n FROM (${query.replace(/;\s*$/, '')}) AS q`;
    const r = await client.query<{ watermark: string | null; n: string }>(sql);
    return { watermark: r.rows[0]?.watermark ?? null, rows: Number(r.rows[0]?.n ?? 0) };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === '42703') throw new WatermarkError(`watermark column "${column}" is not in the result of the retraining query (${where})`, 'definition');
    if (e.code && DEFINITION_CLASSES.includes(e.code.slice(0, 2))) throw new WatermarkError(`the retraining query fails on ${where}: ${e.message}`, 'definition');
    throw new WatermarkError(`reading the watermark from ${where} failed: ${e.message}`, 'unreachable');
  } finally {
    await client.end().catch(() => {});
  }
}
