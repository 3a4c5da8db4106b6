// What this replica serves: champion and challenger per deployment, loaded from Postgres, hot-swapped on NOTIFY.
import pg from 'pg';
import type { Db } from '../lib/store/db.js';
import { sha256Hex, type ArtifactStore } from '../lib/store/artifacts.js';
import { DEPLOYMENTS_CHANNEL, getDeployment, getModelVersion, listDeployments } from '../lib/store/models.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { sharedModelSource, type ScoreResult, type ScoringModel, type ScoringPool } from '../lib/scoring/scoringPool.js';
import type { LogLayout } from '../lib/store/predictionRows.js';
import { readPiiKey, type PiiKey } from '../lib/data/piiKey.js';
import { servingPii, type ServingPii } from './pii.js';

export interface ServedVersion {
  version: number;
  sha256: string;
  card: ModelCard;
  scoring: ScoringModel;
  /** The order its answers' features and classes are logged in. */
  layout: LogLayout;
  /** Its pipeline's pii rules (from its card) with this replica's key; null when it has none. */
  pii: ServingPii | null;
}

export interface ServedModel {
  name: string;
  champion: ServedVersion;
  challenger: ServedVersion | null;
  /** split: share of units (0–1) the challenger answers; shadow: share it scores a copy of. 0 when there is none. */
  challengerWeight: number;
  challengerMode: 'split' | 'shadow';
}

/** The part of a pino / Fastify logger the registry writes to. */
export interface RegistryLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ModelRegistryDeps {
  db: Db;
  artifacts: ArtifactStore;
  pool: ScoringPool;
  log?: RegistryLog;
  /** Wait before re-opening a lost LISTEN connection; default 1000 ms. */
  reconnectMs?: number;
  /** The key pii fields and units are hashed with; absent → MLCYCLE_PII_KEY, read when a version with pii rules loads. */
  piiKey?: PiiKey | null;
}

const SILENT: RegistryLog = { info: () => undefined, error: () => undefined };

/** What is wrong with a model's warm-up answer against its card, or null: a finite value per row, or known classes. */
function probeProblem(probe: ScoreResult, classes: readonly string[]): string | null {
  if (probe.task === 'regression') {
    const bad = Array.from(probe.values).findIndex((v) => !Number.isFinite(v));
    return bad >= 0 ? `predicted ${probe.values[bad]} for a warm-up row; a regression model must answer a finite "prediction" per row` : null;
  }
  if (probe.classes !== classes.length) return `outputs ${probe.classes} class probabilities, its card lists ${classes.length} classes`;
  if (!classes.includes(probe.labels[0])) return `answered label "${probe.labels[0]}", not one of its card's classes`;
  return null;
}

export class ModelRegistry {
  private readonly models = new Map<string, ServedModel>();
  private readonly reloads = new Map<string, Promise<void>>();
  private readonly log: RegistryLog;
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly deps: ModelRegistryDeps) {
    this.log = deps.log ?? SILENT;
  }

  /** Starts listening for deployment changes, then loads every deployment (a model that fails to load is not served). */
  static async start(deps: ModelRegistryDeps): Promise<ModelRegistry> {
    const registry = new ModelRegistry(deps);
    await registry.listen();
    await registry.reloadAll();
    return registry;
  }

  get(name: string): ServedModel | undefined {
    return this.models.get(name);
  }

  list(): ServedModel[] {
    return [...this.models.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get size(): number {
    return this.models.size;
  }

  async reloadAll(): Promise<void> {
    const names = new Set([...this.models.keys(), ...(await listDeployments(this.deps.db)).map((d) => d.modelName)]);
    await Promise.all([...names].map((name) => this.reload(name)));
  }

  /** Re-reads one deployment and swaps in its versions once they are loaded and warmed up; reloads of a model run in order. */
  reload(name: string): Promise<void> {
    const previous = this.reloads.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.reloadNow(name));
    const tracked = next.finally(() => {
      if (this.reloads.get(name) === tracked) this.reloads.delete(name);
    });
    this.reloads.set(name, tracked);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await Promise.allSettled([...this.reloads.values()]);
    const client = this.listener;
    this.listener = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async reloadNow(name: string): Promise<void> {
    if (this.closed) return;
    let deployment;
    try {
      deployment = await getDeployment(this.deps.db, name);
    } catch (err) {
      this.log.error({ model: name, err }, 'could not read the deployment; serving what was loaded before');
      return;
    }
    const before = this.models.get(name);
    if (!deployment) {
      if (before) this.log.info({ model: name }, 'deployment removed; no longer served');
      this.models.delete(name);
      return;
    }
    let champion: ServedVersion;
    try {
      champion = await this.loadVersion(name, deployment.championVersion, before);
    } catch (err) {
      this.log.error({ model: name, version: deployment.championVersion, err }, 'champion not loaded; keeping what was served before');
      return;
    }
    let challenger: ServedVersion | null = null;
    let challengerWeight = 0;
    let challengerMode: 'split' | 'shadow' = 'split';
    const wanted = deployment.challengerVersion;
    if (wanted !== null && wanted !== champion.version) {
      try {
        challenger = await this.loadVersion(name, wanted, before);
        challengerWeight = deployment.challengerWeight;
        challengerMode = deployment.challengerMode;
      } catch (err) {
        this.log.error({ model: name, version: wanted, err }, 'challenger not loaded; keeping the previous challenger');
        if (before?.challenger && before.challenger.version !== champion.version) {
          challenger = before.challenger;
          challengerWeight = before.challengerWeight;
          challengerMode = before.challengerMode;
        }
      }
    }
    if (this.closed) return;
    this.models.set(name, { name, champion, challenger, challengerWeight, challengerMode });
    if (
      before?.champion.version !== champion.version || before?.challenger?.version !== challenger?.version ||
      before?.challengerWeight !== challengerWeight || before?.challengerMode !== challengerMode
    ) {
      this.log.info(
        { model: name, champion: champion.version, challenger: challenger?.version ?? null, challengerWeight, challengerMode },
        'serving deployment',
      );
    }
  }

  /** A version ready to serve: reused when already served, else read, verified by hash, loaded and warmed up. */
  private async loadVersion(name: string, version: number, before: ServedModel | undefined): Promise<ServedVersion> {
    for (const served of [before?.champion, before?.challenger]) if (served?.version === version) return served;
    const row = await getModelVersion(this.deps.db, name, version);
    if (!row) throw new Error(`model version ${name}@${version} is not registered`);
    const signature = row.card?.signature;
    const task = signature?.task ?? 'classification'; // older cards: classification
    const classesOk = task === 'regression' || (task === 'classification' && Array.isArray(signature?.classes) && signature.classes.length > 0);
    if (!signature || !Array.isArray(signature.inputs) || !classesOk) throw new Error(`the model card of ${name}@${version} has no usable ${task} signature`);
    const pii = servingPii(`${name}@${version}`, row.card.pii, row.card.pii ? (this.deps.piiKey === undefined ? readPiiKey() : this.deps.piiKey) : null);
    const bytes = await this.deps.artifacts.get(row.uri);
    const actual = sha256Hex(bytes);
    if (actual !== row.sha256) throw new Error(`artifact ${row.uri} hashes to ${actual}, the registry says ${row.sha256}`);
    const scoring: ScoringModel = { sha256: row.sha256, source: sharedModelSource(bytes), inputs: signature.inputs, task };
    const probe = await this.deps.pool.warm(scoring);
    const problem = probeProblem(probe, signature.classes);
    if (problem) throw new Error(`${name}@${version} ${problem}`);
    const layout: LogLayout = {
      numeric: signature.inputs.filter((i) => i.kind === 'numeric').map((i) => i.name),
      categorical: signature.inputs.filter((i) => i.kind === 'categorical').map((i) => i.name),
      classes: signature.classes,
    };
    return { version, sha256: row.sha256, card: row.card, scoring, layout, pii };
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.deps.db.options);
    client.on('notification', (msg) => {
      if (msg.channel === DEPLOYMENTS_CHANNEL && msg.payload) {
        this.reload(msg.payload).catch((err: unknown) => this.log.error({ model: msg.payload, err }, 'reload failed'));
      }
    });
    client.on('error', (err) => this.listenerLost(client, err));
    client.on('end', () => this.listenerLost(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${DEPLOYMENTS_CHANNEL}`);
    this.listener = client;
  }

  private listenerLost(client: pg.Client, err: Error): void {
    if (this.closed || this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => undefined);
    this.log.error({ err }, 'lost the LISTEN connection for deployments; reconnecting');
    const retry = (): void => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.listen()
        .then(() => this.reloadAll()) // changes made while disconnected were not heard
        .catch((e: unknown) => {
          this.log.error({ err: e }, 'could not re-open the LISTEN connection');
          this.reconnectTimer = setTimeout(retry, this.deps.reconnectMs ?? 1000);
        });
    };
    this.reconnectTimer = setTimeout(retry, this.deps.reconnectMs ?? 1000);
  }
}
