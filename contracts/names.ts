// Every name shared by triggers, workflows and activities: task queue, workflow ids, queries, search attributes.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { LifecycleProgress, ProgressSince } from './types.js';

export const TASK_QUEUE = 'mlcycle';
/** Trials and candidate training: their own queue, so training workers can be scaled (and sized) apart. */
export const TRAINING_TASK_QUEUE = 'mlcycle-training';

export const PIPELINE_ATTRIBUTE = defineSearchAttributeKey('MlcyclePipeline', 'KEYWORD');
export const STEP_ATTRIBUTE = defineSearchAttributeKey('MlcycleStep', 'KEYWORD');
/** On a failed lifecycle run: the id of the step it failed at. */
export const FAILED_STEP_ATTRIBUTE = defineSearchAttributeKey('MlcycleFailedStep', 'KEYWORD');
/**
 * On a repair run: the Temporal run id of the failed run it repairs (same workflow id). A closed run's attributes cannot
 * change, so "what repaired run R" is the query `MlcycleRepairOf = "R"`, not an attribute on R.
 */
export const REPAIR_OF_ATTRIBUTE = defineSearchAttributeKey('MlcycleRepairOf', 'KEYWORD');
/** On a rollout: its stage (shadow, canary, ab), paused, promoted or rolled back. */
export const ROLLOUT_STAGE_ATTRIBUTE = defineSearchAttributeKey('MlcycleRolloutStage', 'KEYWORD');
/** On a run with an approval gate: awaiting while a request waits, then its outcome (approved, rejected, timed out, withdrawn). */
export const APPROVAL_ATTRIBUTE = defineSearchAttributeKey('MlcycleApproval', 'KEYWORD');
/** The visibility query of the runs awaiting a person's approval. */
export const AWAITING_APPROVAL_QUERY = 'MlcycleApproval = "awaiting" AND ExecutionStatus = "Running"';
/** Name → kind, as `temporal server start-dev --search-attribute` and the operator service want them. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword'> = {
  MlcyclePipeline: 'Keyword', MlcycleStep: 'Keyword', MlcycleRepairOf: 'Keyword', MlcycleRolloutStage: 'Keyword', MlcycleApproval: 'Keyword',
  MlcycleFailedStep: 'Keyword',
};

export const progressQuery = defineQuery<LifecycleProgress>('progress');
/** The changes after a cursor (an event seq): what a follower polls, bounded however large the run. */
export const progressSinceQuery = defineQuery<ProgressSince, [number]>('progressSince');

/** Business id of a lifecycle run: one run per pipeline and data version. */
export function lifecycleWorkflowId(pipeline: string, dataVersion: string): string {
  return `lifecycle:${pipeline}:${dataVersion}`;
}

/** The data version of a monitor-started retraining run comes from its training data's digest: the same data, the same run. */
export function retrainDataVersion(digest: string): string {
  return `retrain-${digest.slice(0, 16)}`;
}

export function monitorScheduleId(modelName: string): string {
  return `monitor:${modelName}`;
}

export function retrainScheduleId(pipeline: string): string {
  return `retrain:${pipeline}`;
}

export function repairScheduleId(pipeline: string): string {
  return `repair:${pipeline}`;
}

/** One rollout at a time per model, under a fixed id: `mlcycle rollout status <model>` finds it. */
export function rolloutWorkflowId(modelName: string): string {
  return `rollout:${modelName}`;
}

/**
 * A batch scoring job's business id: the model and a hash (computed by the caller) of the source's content, the
 * version, the output and the chunking. Starting the same job twice attaches to it instead of scoring twice.
 */
export function batchScoreWorkflowId(modelName: string, jobKey: string): string {
  return `score:${modelName}:${jobKey}`;
}

export const LIFECYCLE_WORKFLOW = 'lifecycleWorkflow';
export const ROLLOUT_WORKFLOW = 'rolloutWorkflow';
export const MONITOR_WORKFLOW = 'monitorWorkflow';
export const REPAIR_WORKFLOW = 'repairWorkflow';
export const RETRAIN_WORKFLOW = 'retrainWorkflow';
export const BATCH_SCORE_WORKFLOW = 'batchScoreWorkflow';
