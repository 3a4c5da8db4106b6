// The serving champion scored on a candidate's holdout through its own packaged graph: what the gate compares with.
import type { Table } from '../data/table.js';
import { evaluateOnnx } from '../onnx/evaluateOnnx.js';
import type { ArtifactStore } from '../store/artifacts.js';
import type { Queryable } from '../store/db.js';
import { getDeployment, getModelVersion } from '../store/models.js';
import { METRICS, type MetricName } from './scores.js';

/**
 * null when nothing serves yet. A champion of another task, or one whose graph cannot score the
 * holdout, scores NaN, so the gate fails closed instead of letting the candidate through.
 */
export async function scoreServingChampion(
  deps: { db: Queryable; artifacts: ArtifactStore },
  name: string,
  holdout: Table,
  metric: MetricName,
): Promise<{ version: number; score: number } | null> {
  const deployment = await getDeployment(deps.db, name);
  const champion = deployment ? await getModelVersion(deps.db, name, deployment.championVersion) : null;
  if (!champion) return null;
  if ((champion.card.signature.task ?? 'classification') !== METRICS[metric].task) return { version: champion.version, score: NaN };
  try {
    const { metrics } = await evaluateOnnx(await deps.artifacts.get(champion.uri), champion.card.signature, holdout);
    return { version: champion.version, score: metrics[metric] ?? NaN };
  } catch {
    return { version: champion.version, score: NaN };
  }
}
