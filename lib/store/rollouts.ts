// Rollouts in Postgres: one running per model; each stage change moves the deployment (NOTIFY) and is audited.
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import { audit, DEPLOYMENTS_CHANNEL, getDeployment, getModelVersion, type DeploymentRow, type ModelVersionRow } from './models.js';

export type RolloutRowStatus = 'running' | 'promoted' | 'rolled_back';

export interface RolloutRow {
  id: number;
  workflowId: string;
  runId: string;
  modelName: string;
  championVersion: number;
  challengerVersion: number;
  stage: string;
  status: RolloutRowStatus;
  decidedBy: string | null;
  reason: string | null;
  startedAt: string;
  decidedAt: string | null;
}

const COLUMNS = `id, workflow_id AS "workflowId", run_id AS "runId", model_name AS "modelName", champion_version AS "championVersion",
  challenger_version AS "challengerVersion", stage, status, decided_by AS "decidedBy", reason,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "decidedAt"`;

export interface RolloutTarget {
  target: ModelVersionRow;
  deployment: DeploymentRow;
  task: 'classification' | 'regression';
  /** Regression: answers further apart than the champion's holdout RMSE disagree; 0 for classification. */
  disagreementTolerance: number;
}

/**
 * What a rollout of name@version competes with, or why it cannot have one (fail closed): the version must be
 * registered and blessed (with this sha256, when given), and a champion other than it must serve.
 */
export async function rolloutTarget(db: Queryable, name: string, version: number, sha256?: string): Promise<RolloutTarget | { problem: string }> {
  const target = await getModelVersion(db, name, version);
  if (!target) return { problem: `${name}@${version} is not registered` };
  if (target.card.gate?.blessed !== true) return { problem: `${name}@${version} was not blessed (${target.card.gate?.reason ?? 'no gate verdict'}): it is never served` };
  if (sha256 !== undefined && target.sha256 !== sha256) return { problem: `${name}@${version} is registered with another sha256 than ${sha256.slice(0, 12)}` };
  const deployment = await getDeployment(db, name);
  if (!deployment) return { problem: `${name} has no champion: a challenger needs one to compete with` };
  if (deployment.championVersion === version) return { problem: `${name}@${version} is the champion already` };
  const task = target.card.signature.task ?? 'classification';
  const champion = task === 'regression' ? await getModelVersion(db, name, deployment.championVersion) : null;
  return { target, deployment, task, disagreementTolerance: champion?.metrics.rmse ?? 0 };
}

/** A rollout cannot go on: the deployment changed under it, or another rollout runs. */
export class RolloutConflict extends Error {
  override name = 'RolloutConflict';
}

export async function runningRollout(db: Queryable, modelName: string): Promise<RolloutRow | null> {
  const res = await db.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE model_name = $1 AND status = 'running'`, [modelName]);
  return res.rows[0] ?? null;
}

export async function listRollouts(db: Queryable, modelName?: string, limit = 20): Promise<RolloutRow[]> {
  const res = await db.query<RolloutRow>(
    `SELECT ${COLUMNS} FROM rollouts ${modelName ? 'WHERE model_name = $2' : ''} ORDER BY id DESC LIMIT $1`,
    modelName ? [limit, modelName] : [limit],
  );
  return res.rows;
}

export interface StageChange {
  runId: string;
  modelName: string;
  challengerVersion: number;
  stage: string;
  mode: 'split' | 'shadow';
  traffic: number;
  actor: string;
  reason: string;
}

async function moveChallenger(tx: Queryable, c: StageChange): Promise<void> {
  await tx.query('UPDATE deployments SET challenger_version = $2, challenger_weight = $3, challenger_mode = $4, updated_at = now() WHERE model_name = $1', [
    c.modelName, c.challengerVersion, c.traffic, c.mode,
  ]);
  await tx.query("UPDATE rollouts SET stage = $2 WHERE run_id = $1 AND status = 'running'", [c.runId, c.stage]);
  await audit(tx, c.actor, 'rollout_stage', `${c.modelName}@${c.challengerVersion}`, { stage: c.stage, mode: c.mode, traffic: c.traffic, reason: c.reason, runId: c.runId });
  await tx.query('SELECT pg_notify($1, $2)', [DEPLOYMENTS_CHANNEL, c.modelName]);
}

/**
 * Starts serving the challenger in its first stage. Idempotent per run id (a retried activity finds its row).
 * Refused when the version is not registered and blessed with that sha256, when the model has no champion,
 * or when another rollout of the model runs.
 */
export async function beginRollout(db: Db, c: StageChange & { workflowId: string; sha256: string }): Promise<RolloutRow> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${c.modelName}`]);
    const mine = await tx.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE run_id = $1`, [c.runId]);
    if (mine.rows[0]) return mine.rows[0];
    const target = await getModelVersion(tx, c.modelName, c.challengerVersion);
    if (!target || target.card.gate?.blessed !== true || target.sha256 !== c.sha256) {
      throw new RolloutConflict(`${c.modelName}@${c.challengerVersion} is not a registered, blessed version with sha256 ${c.sha256.slice(0, 12)}: not rolled out`);
    }
    const deployment = await getDeployment(tx, c.modelName);
    if (!deployment) throw new RolloutConflict(`${c.modelName} has no champion: a challenger needs one to compete with`);
    if (deployment.championVersion === c.challengerVersion) throw new RolloutConflict(`${c.modelName}@${c.challengerVersion} is the champion already`);
    const other = await runningRollout(tx, c.modelName);
    if (other) throw new RolloutConflict(`a rollout of ${c.modelName}@${other.challengerVersion} is running (${other.workflowId}): it must end first`);
    const inserted = await tx.query<RolloutRow>(
      `INSERT INTO rollouts (workflow_id, run_id, model_name, champion_version, challenger_version, stage, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'running') RETURNING ${COLUMNS}`,
      [c.workflowId, c.runId, c.modelName, deployment.championVersion, c.challengerVersion, c.stage],
    );
    // The version's queued request (lib/store/rolloutRequests.ts), if it began from one, is now this run.
    await tx.query("UPDATE rollout_requests SET status = 'started', run_id = $3, ended_at = now() WHERE model_name = $1 AND version = $2 AND status = 'queued'", [
      c.modelName, c.challengerVersion, c.runId,
    ]);
    await moveChallenger(tx, c);
    return inserted.rows[0];
  });
}

/** Moves a running rollout to a stage or traffic share; refused when its challenger no longer holds the deployment. */
export async function setRolloutStage(db: Db, c: StageChange): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${c.modelName}`]);
    const row = (await tx.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE run_id = $1`, [c.runId])).rows[0];
    if (!row || row.status !== 'running') throw new RolloutConflict(`rollout ${c.runId} is not running`);
    const deployment = await getDeployment(tx, c.modelName);
    if (deployment?.challengerVersion !== c.challengerVersion || deployment.championVersion !== row.championVersion) {
      throw new RolloutConflict(`the deployment of ${c.modelName} changed under the rollout (champion v${deployment?.championVersion ?? '-'}, challenger v${deployment?.challengerVersion ?? '-'})`);
    }
    await moveChallenger(tx, c);
  });
}

export interface RolloutEnd {
  runId: string;
  modelName: string;
  status: 'promoted' | 'rolled_back';
  /** 'test', 'guardrail', 'deadline', or a person. */
  decidedBy: string;
  reason: string;
  assessment: unknown;
}

/**
 * Ends a rollout: promoted → the challenger becomes champion; rolled back → all traffic returns to the champion.
 * The deployment is changed only while it still holds this rollout's versions. Idempotent: an ended rollout is returned.
 */
export async function finishRollout(db: Db, e: RolloutEnd): Promise<RolloutRow> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${e.modelName}`]);
    const row = (await tx.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE run_id = $1`, [e.runId])).rows[0];
    if (!row) throw new RolloutConflict(`rollout ${e.runId} was never begun`);
    if (row.status !== 'running') return row;
    const deployment = await getDeployment(tx, e.modelName);
    const ours = deployment?.championVersion === row.championVersion && deployment.challengerVersion === row.challengerVersion;
    if (ours && e.status === 'promoted') {
      await tx.query("UPDATE deployments SET champion_version = $2, challenger_version = NULL, challenger_weight = 0, challenger_mode = 'split', updated_at = now() WHERE model_name = $1", [
        e.modelName, row.challengerVersion,
      ]);
    } else if (ours) {
      await tx.query("UPDATE deployments SET challenger_version = NULL, challenger_weight = 0, challenger_mode = 'split', updated_at = now() WHERE model_name = $1", [e.modelName]);
    }
    const status = e.status === 'promoted' && !ours ? 'rolled_back' : e.status;
    const reason = status === e.status ? e.reason : `${e.reason} — not promoted: the deployment changed under the rollout`;
    const ended = await tx.query<RolloutRow>(
      `UPDATE rollouts SET status = $2, decided_by = $3, reason = $4, last_assessment = $5, decided_at = now() WHERE run_id = $1 RETURNING ${COLUMNS}`,
      [e.runId, status, e.decidedBy, reason, JSON.stringify(e.assessment ?? null)],
    );
    const actor = ['test', 'guardrail', 'deadline'].includes(e.decidedBy) ? 'mlcycle' : e.decidedBy;
    await audit(tx, actor, status === 'promoted' ? 'rollout_promote' : 'rollout_rollback', `${e.modelName}@${row.challengerVersion}`, {
      reason, decidedBy: e.decidedBy, champion: row.championVersion, runId: e.runId,
    });
    await tx.query('SELECT pg_notify($1, $2)', [DEPLOYMENTS_CHANNEL, e.modelName]);
    return ended.rows[0];
  });
}
