// Model versions and deployments in Postgres: register (idempotent per run), deploy, read what is served.
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import type { ModelCard } from '../report/modelCard.js';
import type { ArtifactStore } from './artifacts.js';
import type { ServingChampion } from '../train/champion.js';

export interface ModelVersionRow {
  name: string;
  version: number;
  runId: string;
  uri: string;
  sha256: string;
  datasetId: string;
  metrics: Record<string, number>;
  card: ModelCard;
  createdAt: string;
}

export interface DeploymentRow {
  modelName: string;
  championVersion: number;
  challengerVersion: number | null;
  challengerWeight: number;
  /** split: the challenger answers its share of units; shadow: it scores a mirror of that share and never answers. */
  challengerMode: 'split' | 'shadow';
  updatedAt: string;
}

export const DEPLOYMENTS_CHANNEL = 'mlcycle_deployments';

type NewModelVersion = Omit<ModelVersionRow, 'version' | 'createdAt'>;

const VERSION_COLUMNS = `name, version, run_id AS "runId", uri, sha256, dataset_id AS "datasetId", metrics, card,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"`;

/** Registers the run's model; a second call for the same run returns the version already registered. */
export async function registerModelVersion(db: Db, m: NewModelVersion): Promise<ModelVersionRow> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model:${m.name}`]);
    const existing = await tx.query<ModelVersionRow>(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE run_id = $1`, [m.runId]);
    if (existing.rows[0]) return existing.rows[0];
    const inserted = await tx.query<ModelVersionRow>(
      `INSERT INTO model_versions (name, version, run_id, uri, sha256, dataset_id, metrics, card)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM model_versions WHERE name = $1
       RETURNING ${VERSION_COLUMNS}`,
      [m.name, m.runId, m.uri, m.sha256, m.datasetId, JSON.stringify(m.metrics), JSON.stringify(m.card)],
    );
    await audit(tx, 'mlcycle', 'register_model', `${m.name}@${inserted.rows[0].version}`, { runId: m.runId, sha256: m.sha256 });
    return inserted.rows[0];
  });
}

export async function listModelVersions(db: Queryable, name?: string): Promise<ModelVersionRow[]> {
  const where = name ? 'WHERE name = $1' : '';
  const res = await db.query<ModelVersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions ${where} ORDER BY name, version`,
    name ? [name] : [],
  );
  return res.rows;
}

export async function getModelVersion(db: Queryable, name: string, version: number): Promise<ModelVersionRow | null> {
  const res = await db.query<ModelVersionRow>(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE name = $1 AND version = $2`, [
    name,
    version,
  ]);
  return res.rows[0] ?? null;
}

const DEPLOYMENT_COLUMNS = `model_name AS "modelName", champion_version AS "championVersion",
  challenger_version AS "challengerVersion", challenger_weight AS "challengerWeight", challenger_mode AS "challengerMode",
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "updatedAt"`;

export async function listDeployments(db: Queryable): Promise<DeploymentRow[]> {
  return (await db.query<DeploymentRow>(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments ORDER BY model_name`)).rows;
}

export async function getDeployment(db: Queryable, modelName: string): Promise<DeploymentRow | null> {
  const res = await db.query<DeploymentRow>(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE model_name = $1`, [modelName]);
  return res.rows[0] ?? null;
}

/**
 * Serves a version: as champion when the model has none yet, else as challenger on the given weight.
 * Deploying the version already in that role changes nothing (idempotent). Replicas hear of it by NOTIFY.
 */
export async function deployVersion(
  db: Db,
  modelName: string,
  version: number,
  challengerWeight: number,
  reason: string,
): Promise<{ role: 'champion' | 'challenger'; deployment: DeploymentRow }> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${modelName}`]);
    const current = await getDeployment(tx, modelName);
    let role: 'champion' | 'challenger';
    let changed: boolean;
    if (!current || current.championVersion === version) {
      role = 'champion';
      changed = !current;
      if (changed) await tx.query('INSERT INTO deployments (model_name, champion_version) VALUES ($1, $2)', [modelName, version]);
    } else {
      role = 'challenger';
      // A retried deploy (its activity ran again after a lost worker) finds it done: no second audit row.
      changed = current.challengerVersion !== version || Math.fround(current.challengerWeight) !== Math.fround(challengerWeight) || current.challengerMode !== 'split';
      if (changed) {
        await tx.query(
          `UPDATE deployments SET challenger_version = $2, challenger_weight = $3, challenger_mode = 'split', updated_at = now() WHERE model_name = $1`,
          [modelName, version, challengerWeight],
        );
      }
    }
    if (changed) {
      await audit(tx, 'mlcycle', `deploy_${role}`, `${modelName}@${version}`, { challengerWeight, reason });
      await tx.query('SELECT pg_notify($1, $2)', [DEPLOYMENTS_CHANNEL, modelName]);
    }
    const deployment = await getDeployment(tx, modelName);
    if (!deployment) throw new Error(`deployment of ${modelName} vanished`);
    return { role, deployment };
  });
}

/** `once`: a key the row is written under at most once (an activity's, so that its retried attempt adds nothing). */
export async function audit(db: Queryable, actor: string, action: string, subject: string, details: unknown, once?: string): Promise<void> {
  await db.query(
    'INSERT INTO audit_log (actor, action, subject, details, once_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (once_key) WHERE once_key IS NOT NULL DO NOTHING',
    [actor, action, subject, JSON.stringify(details), once ?? null],
  );
}

export type Alias = 'champion' | 'challenger';

/**
 * Moves an alias by hand (who, when, why go to the audit log). Only a registered, blessed version may be
 * served; a challenger needs a champion; making the challenger champion clears the challenger.
 */
export async function setAlias(
  db: Db,
  a: { modelName: string; alias: Alias; version: number; challengerWeight?: number; actor: string; reason: string },
): Promise<DeploymentRow> {
  if (!a.reason.trim()) throw new Error('a reason is required to move an alias');
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${a.modelName}`]);
    const rollout = await tx.query<{ v: number; w: string }>("SELECT challenger_version AS v, workflow_id AS w FROM rollouts WHERE model_name = $1 AND status = 'running'", [a.modelName]);
    if (rollout.rows[0]) {
      const { v, w } = rollout.rows[0];
      throw new Error(`${a.modelName}@${v} is in rollout (${w}): steer it with npx mlcycle rollout promote|rollback|pause ${a.modelName}`);
    }
    const target = await getModelVersion(tx, a.modelName, a.version);
    if (!target) throw new Error(`${a.modelName}@${a.version} is not registered`);
    if (target.card.gate?.blessed !== true) {
      throw new Error(`${a.modelName}@${a.version} was not blessed (${target.card.gate?.reason ?? 'no gate verdict recorded'}): it is never served`);
    }
    const current = await getDeployment(tx, a.modelName);
    if (a.alias === 'champion') {
      await tx.query(
        `INSERT INTO deployments (model_name, champion_version) VALUES ($1, $2)
         ON CONFLICT (model_name) DO UPDATE SET champion_version = $2,
           challenger_version = CASE WHEN deployments.challenger_version = $2 THEN NULL ELSE deployments.challenger_version END,
           challenger_weight = CASE WHEN deployments.challenger_version = $2 THEN 0 ELSE deployments.challenger_weight END,
           updated_at = now()`,
        [a.modelName, a.version],
      );
    } else {
      if (!current) throw new Error(`${a.modelName} has no champion: a challenger needs one to compete with`);
      if (current.championVersion === a.version) throw new Error(`${a.modelName}@${a.version} is the champion already`);
      const weight = a.challengerWeight ?? current.challengerWeight;
      if (!(weight >= 0 && weight <= 1)) throw new Error(`challenger weight must be within [0, 1], got ${weight}`);
      await tx.query("UPDATE deployments SET challenger_version = $2, challenger_weight = $3, challenger_mode = 'split', updated_at = now() WHERE model_name = $1", [
        a.modelName, a.version, weight,
      ]);
    }
    await audit(tx, a.actor, `set_${a.alias}`, `${a.modelName}@${a.version}`, { reason: a.reason, before: current });
    await tx.query('SELECT pg_notify($1, $2)', [DEPLOYMENTS_CHANNEL, a.modelName]);
    return (await getDeployment(tx, a.modelName)) as DeploymentRow;
  });
}

/** The version serving as champion of a model, with its ONNX bytes (verified by hash on read); null when none serves. */
export async function servingChampion(db: Queryable, artifacts: ArtifactStore, name: string): Promise<ServingChampion | null> {
  const deployment = await getDeployment(db, name);
  const champion = deployment ? await getModelVersion(db, name, deployment.championVersion) : null;
  return champion ? { version: champion.version, card: champion.card, bytes: await artifacts.get(champion.uri) } : null;
}
