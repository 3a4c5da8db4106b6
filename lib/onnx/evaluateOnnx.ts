// A packaged or imported model's holdout metrics, scored through its ONNX graph on a table (gate and import).
import { recordsFromTable } from '../data/records.js';
import type { Table } from '../data/table.js';
import type { ModelSignature } from '../report/modelCard.js';
import { targetValues } from '../train/classifier.js';
import { numericTarget } from '../train/model.js';
import { classificationMetrics, regressionMetrics } from '../train/scores.js';
import { feedTensors } from './feeds.js';
import { scoreOnnx, type OnnxOutputs } from './runtime.js';

/** Scores the table's rows (every signature input must be a column) and returns the outputs with their metrics. */
export async function evaluateOnnx(
  modelBytes: Uint8Array,
  signature: ModelSignature,
  table: Table,
): Promise<{ outputs: OnnxOutputs; metrics: Record<string, number> }> {
  const task = signature.task ?? 'classification';
  const records = recordsFromTable(table, signature.inputs.map((i) => i.name));
  const outputs = await scoreOnnx(modelBytes, feedTensors(signature.inputs, records), task);
  if (outputs.task === 'regression') return { outputs, metrics: regressionMetrics(numericTarget(table, signature.target), outputs.values) };
  if (outputs.classes !== signature.classes.length) {
    throw new Error(`the model gives ${outputs.classes} class probabilities; its signature lists ${signature.classes.length} classes`);
  }
  return { outputs, metrics: classificationMetrics(targetValues(table, signature.target), signature.classes, outputs.probabilities) };
}
