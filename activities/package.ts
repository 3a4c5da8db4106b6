// The package step: ONNX export with preprocessing, parity against the trainer, model card, registry version.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { recordsFromTable } from '../lib/data/records.js';
import { exportClassifierToOnnx } from '../lib/onnx/exportClassifier.js';
import { classifierInputs, onnxInputFeeds } from '../lib/onnx/feeds.js';
import { measureLatency, scoreOnnx } from '../lib/onnx/runtime.js';
import { renderModelCardHtml } from '../lib/report/modelCardHtml.js';
import { holdoutIntervals } from '../lib/train/intervals.js';
import { writeReport } from './reports.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { registerModelVersion } from '../lib/store/models.js';
import { predictProba, type TrainedClassifier } from '../lib/train/classifier.js';
import { holdoutSplit } from '../lib/train/evaluate.js';
import type { ModelRef, PackageInput } from '../workflows/types.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';

export const PARITY_TOLERANCE = 1e-4;

const LIBRARIES: Record<string, string> = { node: process.version, 'onnxruntime-node': '1.30.0', onnx_opset: '17', ai_onnx_ml_opset: '3' };

export function createPackageActivities(deps: ActivityDeps) {
  return {
    async packageModel(input: PackageInput): Promise<ModelRef> {
      const { pipeline, candidate } = input;
      const model = await deps.artifacts.getJson<TrainedClassifier>(candidate.modelUri);
      const onnx = exportClassifierToOnnx(model);

      // Parity: the packaged graph must give the trainer's probabilities on the holdout rows.
      const table = await loadSnapshot(deps.artifacts, input.dataset.uri);
      const { test } = holdoutSplit(table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed);
      const records = recordsFromTable(test, [...pipeline.features.numeric, ...pipeline.features.categorical]);
      heartbeat('parity check');
      const scored = await scoreOnnx(onnx, onnxInputFeeds(model, records));
      const expected = predictProba(model, test);
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - scored.probabilities[i]));
      if (!(maxDiff <= PARITY_TOLERANCE)) {
        throw ApplicationFailure.nonRetryable(
          `ONNX parity failed: max abs probability difference ${maxDiff.toExponential(3)} > ${PARITY_TOLERANCE} on ${test.rows} holdout rows`,
          'ParityCheckFailed',
        );
      }

      heartbeat('latency');
      const latencyMs = await measureLatency(onnx, (n) => onnxInputFeeds(model, Array.from({ length: n }, (_, i) => records[i % records.length])));
      const stored = await deps.artifacts.put(onnx);
      const card: ModelCard = {
        name: pipeline.name,
        purpose: pipeline.description || `predict ${pipeline.target}`,
        algorithm: 'multinomial logistic regression (L2, L-BFGS) with standardization and one-hot encoding',
        hyperparameters: { ...model.hyperparameters },
        signature: {
          inputs: classifierInputs(model),
          target: pipeline.target,
          classes: model.classes,
        },
        metrics: candidate.holdoutMetrics,
        metricIntervals: holdoutIntervals(model, test, pipeline.search.seed),
        primaryMetric: pipeline.gate?.metric ?? 'accuracy',
        latencyMs,
        gate: { blessed: candidate.blessed, reason: candidate.gateReason },
        lineage: [
          { id: input.dataset.id, sha256: input.dataset.id, role: 'training (and holdout)', rows: input.dataset.rows, uri: input.dataset.uri, source: input.dataset.source },
        ],
        dataset: { id: input.dataset.id, rows: input.dataset.rows, source: input.dataset.source },
        trials: input.trials.map((t) => ({ trialId: t.trialId, params: t.params, cvScore: t.cvScore })),
        onnx: { sha256: stored.sha256, bytes: stored.bytes, parityMaxAbsDiff: maxDiff },
        libraries: LIBRARIES,
        runId: input.runId,
        createdAt: new Date().toISOString(),
      };
      const version = await registerModelVersion(deps.db, {
        name: pipeline.name,
        runId: input.runId,
        uri: stored.uri,
        sha256: stored.sha256,
        datasetId: input.dataset.id,
        metrics: candidate.holdoutMetrics,
        card,
      });
      const cardHtml = await writeReport(deps.reportsDir, `${pipeline.name}/model-v${version.version}.html`, renderModelCardHtml(version.card, { version: version.version }));
      return { name: version.name, version: version.version, uri: version.uri, sha256: version.sha256, parityMaxAbsDiff: maxDiff, cardHtml, latencyMs };
    },
  };
}
