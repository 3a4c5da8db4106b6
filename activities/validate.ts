// The validate step: pin the schema on first data, check every dataset against it, store the report.
import { inferSchema } from '../lib/checks/schema.js';
import { validateTable, type ValidationIssue, type ValidationReport } from '../lib/checks/validate.js';
import type { Table } from '../lib/data/table.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { latestSchema, pinFirstSchema, saveValidationReport } from '../lib/store/datasets.js';
import type { ValidateInput, ValidationSummary } from '../workflows/types.js';
import { loadSnapshot, type ActivityDeps } from './deps.js';

/** The pipeline needs its target and features, with the kinds it declares. */
function pipelineIssues(pipeline: PipelineDefinition, table: Table): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const expect = (name: string, kinds: string[], role: string): void => {
    const col = table.columns.find((c) => c.name === name);
    const base = { column: name, severity: 'error' as const, failingRows: table.rows, sample: [] };
    if (!col) issues.push({ ...base, check: 'missing_column', message: `${role} column "${name}" is missing` });
    else if (!kinds.includes(col.kind)) {
      issues.push({ ...base, check: 'type', message: `${role} column "${name}" is ${col.kind}, the pipeline needs ${kinds.join(' or ')}` });
    }
  };
  expect(pipeline.target, ['categorical'], 'target');
  for (const f of pipeline.features.numeric) expect(f, ['numeric'], 'numeric feature');
  for (const f of pipeline.features.categorical) expect(f, ['categorical'], 'categorical feature');
  return issues;
}

export function createValidateActivities(deps: ActivityDeps) {
  return {
    async validateDataset(input: ValidateInput): Promise<ValidationSummary> {
      const table = await loadSnapshot(deps.artifacts, input.dataset.uri);
      const existing = await latestSchema(deps.db, input.pipeline.name);
      // The first data proposes the schema; it is pinned only if that data passes (bad data never becomes the norm).
      const candidate = existing ?? { version: 1, schema: inferSchema(table) };
      const checked = validateTable(table, candidate.schema);
      const extra = pipelineIssues(input.pipeline, table);
      const passes = checked.ok && extra.length === 0;
      const pinned = existing ?? (passes ? await pinFirstSchema(deps.db, input.pipeline.name, candidate.schema, input.dataset.id) : candidate);
      const report: ValidationReport & { dataset: string; schemaVersion: number } = {
        ...checked,
        ok: passes,
        issues: [...extra, ...checked.issues],
        dataset: input.dataset.id,
        schemaVersion: pinned.version,
      };
      const stored = await deps.artifacts.putJson(report);
      await saveValidationReport(deps.db, {
        runId: input.runId,
        pipeline: input.pipeline.name,
        datasetId: input.dataset.id,
        schemaVersion: pinned.version,
        ok: report.ok,
        report,
        uri: stored.uri,
      });
      const errors = report.issues.filter((i) => i.severity === 'error');
      return {
        ok: report.ok,
        schemaVersion: pinned.version,
        schemaCreated: existing === null && passes,
        reportUri: stored.uri,
        errors: errors.length,
        warnings: report.issues.length - errors.length,
        topIssues: errors.slice(0, 5).map(({ column, check, message }) => ({ column, check, message })),
      };
    },
  };
}
