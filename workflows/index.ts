// The workflows the worker registers.
export { lifecycleWorkflow } from './lifecycle.js';
export { monitorWorkflow } from './monitor.js';
export { repairWorkflow } from './repair.js';
export { retrainWorkflow } from './retrain.js';
export { rolloutWorkflow } from './rollout.js';
export { batchScoreWorkflow } from './batchScore.js';
