// The serving champion scored on a candidate's holdout through its own packaged graph: what the gate compares with.
import type { Table } from '../data/table.js';
import { evaluateOnnx } from '../onnx/evaluateOnnx.js';
import type { ModelCard } from '../report/modelCard.js';
import { METRICS, type MetricName } from './scores.js';

/** The serving champion as the gate needs it: its version, card and ONNX bytes (lib/store's servingChampion reads it). */
export interface ServingChampion {
  version: number;
  card: ModelCard;
  bytes: Uint8Array;
}

/**
 * null when nothing serves yet. A champion of another task, or one whose graph cannot score the
 * holdout, scores NaN, so the gate fails closed instead of letting the candidate through.
 */
export async function scoreServingChampion(
  champion: ServingChampion | null,
  holdout: Table,
  metric: MetricName,
): Promise<{ version: number; score: number } | null> {
  if (!champion) return null;
  if ((champion.card.signature.task ?? 'classification') !== METRICS[metric].task) return { version: champion.version, score: NaN };
  try {
    const { metrics } = await evaluateOnnx(champion.bytes, champion.card.signature, holdout);
    return { version: champion.version, score: metrics[metric] ?? NaN };
  } catch {
    return { version: champion.version, score: NaN };
  }
}
