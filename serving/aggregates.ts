// Per-window drift aggregates in the replica: every answered instance counted on its model's champion profile, flushed every few seconds.
import { AggregateBuilder, mergeAggregates, type WindowAggregate } from '../lib/stats/windowAggregate.js';
import type { DriftProfile } from '../lib/stats/driftProfile.js';
import type { Db } from '../lib/store/db.js';
import { PREDICTION_COLUMN } from '../lib/stats/predictionColumn.js';
import { championProfiles, insertWindowAggregates, type WindowAggregateRow } from '../lib/store/windowAggregates.js';
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import type { PredictionRecord } from '../lib/store/predictionRows.js';
import { answerCategories, answerNumbers, categoryColumn, numberColumn } from './aggregateColumns.js';


interface Open {
  modelName: string;
  modelVersion: number;
  variant: string;
  profileVersion: number;
  builder: AggregateBuilder;
  rows: number;
  firstAt: number;
  lastAt: number;
}

export interface WindowAggregatesOptions {
  /** How often the open aggregates are written; default 10 s. */
  flushMs?: number;
  /** How often the champions' profiles are read again; default 30 s. */
  refreshMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Counts what a replica answers on the bins of each model's champion profile (made by the monitor from the champion's
 * training data). Until a model has a profile nothing is counted for it: the monitor judges its windows exactly.
 * A flush that fails keeps its aggregates, merged, for the next one (one per model, version, variant: bounded).
 */
export class WindowAggregates {
  private profiles = new Map<string, { version: number; profile: DriftProfile; withAnswer: boolean }>();
  private open = new Map<string, Open>();
  private unwritten = new Map<string, WindowAggregateRow<WindowAggregate>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | null = null;
  private refreshedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly db: Db,
    private readonly options: WindowAggregatesOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
  }

  async start(): Promise<void> {
    await this.refresh().catch(this.onError);
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch(this.onError), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.flushMs ?? 10_000, () => this.flush());
    every(this.options.refreshMs ?? 30_000, () => this.refresh());
  }

  /** Reads the champions' profiles; a model whose champion changed starts counting on the new one. */
  async refresh(): Promise<void> {
    this.refreshedAt = Date.now();
    const rows = await championProfiles<DriftProfile>(this.db);
    this.profiles = new Map(rows.map((r) => [r.modelName, { version: r.modelVersion, profile: r.profile, withAnswer: r.profile.columns.some((c) => c.name === PREDICTION_COLUMN) }]));
  }

  /** A model answered without a profile, or by a champion newer than its profile: read the profiles again (at most every 2 s). */
  private refreshSoon(): void {
    if (this.refreshing || Date.now() - this.refreshedAt < 2000) return;
    this.refreshing = this.refresh()
      .catch(this.onError)
      .finally(() => {
        this.refreshing = null;
      });
  }

  /**
   * Counts answered instances (with the answers, a label or a value, for prediction drift) of a model's version and
   * variant, column by column. `logged`: the log record of exactly these instances, whose feature columns are read
   * instead of the instances (the same values: both hold a checked feature as sent, missing as null).
   */
  add(modelName: string, modelVersion: number, variant: string, instances: readonly Record<string, unknown>[], out: BatchOutput, logged?: PredictionRecord): void {
    const p = this.profiles.get(modelName);
    if (!p || (variant === 'champion' && p.version !== modelVersion)) this.refreshSoon();
    if (!p || instances.length === 0) return;
    const key = `${modelName}\u0000${modelVersion}\u0000${variant}\u0000${p.version}`;
    let o = this.open.get(key);
    if (!o) {
      o = { modelName, modelVersion, variant, profileVersion: p.version, builder: new AggregateBuilder(p.profile), rows: 0, firstAt: Date.now(), lastAt: 0 };
      this.open.set(key, o);
    }
    const n = instances.length;
    if (p.profile.columns.length === 0) for (let i = 0; i < n; i++) o.builder.add(instances[i]);
    else {
      const columns: Record<string, Float64Array | (string | null)[]> = {};
      for (const c of p.profile.columns) {
        const answer = p.withAnswer && c.name === PREDICTION_COLUMN;
        if (c.kind === 'numeric') columns[c.name] = answer ? answerNumbers(out, n) : numberColumn(c.name, instances, logged);
        else columns[c.name] = answer ? answerCategories(out, n) : categoryColumn(c.name, instances, logged);
      }
      o.builder.addColumns(columns);
    }
    o.rows += n;
    o.lastAt = Date.now();
  }

  /** Writes what was counted since the last flush (and what an earlier flush could not write). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    for (const [key, o] of this.open) {
      if (o.rows === 0) continue;
      const row: WindowAggregateRow<WindowAggregate> = {
        modelName: o.modelName, modelVersion: o.modelVersion, variant: o.variant, profileVersion: o.profileVersion,
        rows: o.rows, aggregate: o.builder.snapshot(), firstAt: o.firstAt, lastAt: o.lastAt,
      };
      const before = this.unwritten.get(key);
      this.unwritten.set(key, before ? { ...row, rows: before.rows + row.rows, firstAt: before.firstAt, aggregate: mergeAggregates(before.aggregate, row.aggregate) } : row);
      this.open.delete(key);
    }
    if (this.unwritten.size === 0) return;
    const rows = [...this.unwritten.values()];
    this.flushing = insertWindowAggregates(this.db, rows)
      .then(() => {
        for (const [key, r] of this.unwritten) if (rows.includes(r)) this.unwritten.delete(key);
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.flush();
  }
}
