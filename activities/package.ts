// The package step: ONNX export with preprocessing, parity against the trainer, model card, registry version.
import { heartbeat } from '@temporalio/activity';
import { failure } from '../contracts/failures.js';
import { recordsFromTable } from '../lib/data/records.js';
import { exportModelToOnnx, modelInputs } from '../lib/onnx/exportModel.js';
import { feedTensors } from '../lib/onnx/feeds.js';
import { checkParity, float32Table } from '../lib/onnx/parity.js';
import { measureLatency, scoreOnnx } from '../lib/onnx/runtime.js';
import { renderModelCardHtml } from '../lib/report/modelCardHtml.js';
import { holdoutIntervals } from '../lib/train/intervals.js';
import { writeReport } from './reports.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { registerModelVersion } from '../lib/store/models.js';
import { describeAlgorithm, fittedHyperparameters, predictModel, taskOf, type TrainedModel } from '../lib/train/model.js';
import { holdoutSplit } from '../lib/train/evaluate.js';
import type { ModelRef, PackageInput } from '../contracts/types.js';
import { primaryMetric } from './optimize.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';
import { definitionWith } from './sections.js';
import { modelPii } from './ingestPii.js';
import { transformsCard } from '../lib/transforms/describe.js';

const LIBRARIES: Record<string, string> = { node: process.version, 'onnxruntime-node': '1.30.0', onnx_opset: '17', ai_onnx_ml_opset: '3' };

export function createPackageActivities(deps: ActivityDeps) {
  return {
    async packageModel(input: PackageInput): Promise<ModelRef> {
      const pipeline = await definitionWith(deps, input.pipeline, ['target', 'search'], 'step package');
      const { candidate, dataset, trials } = input.candidate;
      const model = await deps.artifacts.getJson<TrainedModel>(candidate.modelUri);
      const task = taskOf(model);
      const onnx = exportModelToOnnx(model);
      const inputs = modelInputs(model);

      // Parity: on the holdout rows, the packaged graph must give what the trainer gives on the same (float32) inputs.
      const table = await loadSnapshot(deps.artifacts, dataset.uri);
      const { test } = holdoutSplit(table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed, pipeline.task);
      const fed = float32Table(test, inputs.filter((i) => i.kind === 'numeric').map((i) => i.name));
      const records = recordsFromTable(fed, inputs.map((i) => i.name));
      heartbeat('parity check');
      const parity = checkParity(predictModel(model, fed), await scoreOnnx(onnx, feedTensors(inputs, records), task));
      if (!parity.ok) {
        throw failure(
          'ParityCheckFailed',
          `ONNX parity failed: ${parity.measure} ${parity.value.toExponential(3)} > ${parity.tolerance} on ${parity.rows} holdout rows` +
            (parity.labelMismatches ? ` (${parity.labelMismatches} labels differ)` : ''),
        );
      }
      const maxDiff = parity.value;

      heartbeat('latency');
      const latencyMs = await measureLatency(onnx, (n) => feedTensors(inputs, Array.from({ length: n }, (_, i) => records[i % records.length])));
      const stored = await deps.artifacts.put(onnx);
      const card: ModelCard = {
        name: pipeline.name,
        purpose: pipeline.description || `predict ${pipeline.target}`,
        algorithm: describeAlgorithm(model),
        hyperparameters: fittedHyperparameters(model),
        signature: { inputs, target: pipeline.target, task, classes: model.classes },
        metrics: candidate.holdoutMetrics,
        metricIntervals: holdoutIntervals(model, test, pipeline.search.seed),
        primaryMetric: primaryMetric(pipeline),
        latencyMs,
        gate: { blessed: candidate.blessed, reason: candidate.gateReason },
        lineage: [
          { id: dataset.id, sha256: dataset.id, role: 'training (and holdout)', rows: dataset.rows, uri: dataset.uri, source: dataset.source },
        ],
        dataset: { id: dataset.id, rows: dataset.rows, source: dataset.source },
        trials: trials.map((t) => ({ trialId: t.trialId, params: { algorithm: t.algorithm, ...t.params, budget: t.budget }, cvScore: t.cvScore })),
        onnx: { sha256: stored.sha256, bytes: stored.bytes, parityMaxAbsDiff: maxDiff, parity: { measure: parity.measure, value: parity.value, tolerance: parity.tolerance, rows: parity.rows } },
        libraries: LIBRARIES,
        runId: input.runId,
        createdAt: new Date().toISOString(),
        pii: modelPii(pipeline),
        ...(model.transforms ? { transforms: transformsCard(model.transforms) } : {}),
      };
      const version = await registerModelVersion(deps.db, {
        name: pipeline.name,
        runId: input.runId,
        uri: stored.uri,
        sha256: stored.sha256,
        datasetId: dataset.id,
        metrics: candidate.holdoutMetrics,
        card,
      });
      const cardHtml = await writeReport(deps.reportsDir, `${pipeline.name}/model-v${version.version}.html`, renderModelCardHtml(version.card, { version: version.version }));
      return {
        name: version.name, version: version.version, uri: version.uri, sha256: version.sha256, parityMaxAbsDiff: maxDiff, cardHtml, latencyMs,
        blessed: candidate.blessed, gateReason: candidate.gateReason,
      };
    },
  };
}
