// Requests and scoring errors per model, version, variant and minute, added up in memory and written to Postgres every second.
import type { Queryable } from '../lib/store/db.js';

interface Count {
  model: string;
  version: number;
  variant: string;
  minute: string;
  requests: number;
  errors: number;
}

export class ServingCounters {
  private counts = new Map<string, Count>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | null = null;
  /** The current minute (its ISO text made once a minute, not on every add). */
  private minuteNumber = -1;
  private minute = '';

  constructor(
    private readonly db: Queryable,
    private readonly onError: (err: unknown) => void,
    /** Called with every count as it is added (the Prometheus counters). */
    private readonly onAdd: (model: string, version: number, variant: string, requests: number, errors: number) => void = () => undefined,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  /** Counts `requests` instances scored by a variant, `errors` of them failed. */
  add(model: string, version: number, variant: string, requests: number, errors = 0): void {
    this.onAdd(model, version, variant, requests, errors);
    const m = Math.floor(Date.now() / 60_000);
    if (m !== this.minuteNumber) {
      this.minuteNumber = m;
      this.minute = new Date(m * 60_000).toISOString();
    }
    this.merge({ model, version, variant, minute: this.minute, requests, errors });
  }

  private merge(n: Count): void {
    const key = `${n.model}\u0000${n.version}\u0000${n.variant}\u0000${n.minute}`;
    const c = this.counts.get(key);
    if (c) {
      c.requests += n.requests;
      c.errors += n.errors;
    } else this.counts.set(key, { ...n });
  }

  /** Adds what was counted to Postgres in one statement; on failure the counts are kept for the next flush. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    this.writing = this.db
      .query(
        `INSERT INTO serving_counters (model_name, model_version, variant, minute, requests, errors)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[])
         ON CONFLICT (model_name, model_version, variant, minute)
         DO UPDATE SET requests = serving_counters.requests + EXCLUDED.requests, errors = serving_counters.errors + EXCLUDED.errors`,
        [batch.map((c) => c.model), batch.map((c) => c.version), batch.map((c) => c.variant), batch.map((c) => c.minute), batch.map((c) => c.requests), batch.map((c) => c.errors)],
      )
      .then(
        () => undefined,
        (err: unknown) => {
          for (const c of batch) this.merge(c);
          throw err;
        },
      )
      .finally(() => {
        this.writing = null;
      });
    await this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
