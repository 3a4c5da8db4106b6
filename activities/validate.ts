// The validate step: schema (pinned on first passing data), expectations, skew vs the reference; JSON + HTML report.
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import type { Expectation } from '../lib/checks/expectations.js';
import type { FullValidationReport } from '../lib/checks/suite.js';
import type { DatasetProfile } from '../lib/data/profile.js';
import { takeRows } from '../lib/data/table.js';
import { renderValidationHtml } from '../lib/report/validationHtml.js';
import { getDataset, latestSchema, pinFirstSchema, saveValidationReport } from '../lib/store/datasets.js';
import type { DatasetRef, ValidateInput, ValidationSummary } from '../contracts/types.js';
import { failClosedOnBadData, keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';
import { writeReport } from './reports.js';
import { definitionWith } from './sections.js';
import type { WithSections } from '../lib/steps/sections.js';
import { storeSnapshot } from './snapshots.js';

/**
 * The pipeline reads its target and features with the kinds it declares: checked as error-level expectations.
 * A regression target must be numeric; a classification target may be text or numbers (labels are compared as text).
 */
function pipelineExpectations(p: WithSections<'target' | 'features'>): Expectation[] {
  const typed = (column: string, kind: 'numeric' | 'categorical', role: string): Expectation => ({
    expect: 'type', column, kind, id: `pipeline:${role}:${column}`, severity: 'error',
  });
  // A derived feature is computed by its transform (lib/transforms), not read from the data.
  const derived = new Set((p.transforms ?? []).map((t) => t.name));
  return [
    ...(p.task === 'regression' ? [typed(p.target, 'numeric', 'target')] : []),
    ...p.features.numeric.filter((f) => !derived.has(f)).map((f) => typed(f, 'numeric', 'feature')),
    ...p.features.categorical.filter((f) => !derived.has(f)).map((f) => typed(f, 'categorical', 'feature')),
  ];
}

/** The error-level findings, in report order, as one line each. */
export function errorLines(report: FullValidationReport): { column: string; check: string; message: string }[] {
  const lines: { column: string; check: string; message: string }[] = [];
  for (const c of report.schema?.changes ?? []) if (c.severity === 'error') lines.push({ column: c.column, check: `schema:${c.change}`, message: c.message });
  for (const i of report.schema?.issues ?? []) {
    if (i.severity === 'error' && !['missing_column', 'type'].includes(i.check)) lines.push({ column: i.column, check: i.check, message: i.message });
  }
  for (const e of report.expectations) if (!e.passed && e.severity === 'error') lines.push({ column: e.columns.join(','), check: e.kind, message: e.message });
  for (const s of report.skew) if (!s.passed && s.severity === 'error') lines.push({ column: s.column, check: 'skew', message: s.message });
  return lines;
}

export function createValidateActivities(deps: ActivityDeps) {
  /** Stores the kept rows as a dataset of their own: what the run trains on after a quarantine. */
  async function keptDataset(input: ValidateInput, kept: Int32Array, quarantined: number): Promise<DatasetRef> {
    const table = takeRows(await loadSnapshot(deps.artifacts, input.dataset.uri), kept);
    return storeSnapshot(deps, input.pipeline.name, table, `${input.dataset.source} without ${quarantined} quarantined row(s)`);
  }

  async function validate(input: ValidateInput): Promise<ValidationSummary> {
    const pipeline = await definitionWith(deps, input.pipeline, ['target', 'features'], 'step validate');
    const existing = await latestSchema(deps.db, pipeline.name);
    const referenceDataset = existing ? await getDataset(deps.db, existing.datasetId) : null;
    const reference = referenceDataset?.profileUri ? await deps.artifacts.getJson<DatasetProfile>(referenceDataset.profileUri) : null;
    heartbeat('checking');
    const profile = await deps.artifacts.getJson<DatasetProfile>(input.dataset.profileUri);
    await deps.artifacts.ensureLocal(input.dataset.uri); // the thread reads the local copy
    // The checks run in a training thread (the event loop keeps heartbeating); it reads the snapshot itself.
    // The first data proposes the schema (inferred there); it is pinned only if that data passes (bad data never
    // becomes the norm).
    const outcome = await keepHeartbeating((beat) => deps.training.validate(
      {
        artifactsRoot: deps.artifacts.root,
        snapshotUri: input.dataset.uri,
        profile,
        sourceName: input.dataset.source,
        schema: existing?.schema ?? null,
        inferSchema: !existing?.schema,
        expectations: [...pipelineExpectations(pipeline), ...pipeline.validation.expectations],
        skew: reference ? { reference, config: pipeline.validation.skew } : undefined,
        quarantine: pipeline.validation.quarantine,
        rangeTolerance: pipeline.validation.rangeTolerance,
      },
      { onProgress: (p) => beat(p.phase), signal: cancellationSignal() },
    ));
    const { report } = outcome;
    const schema = existing?.schema ?? outcome.inferredSchema;
    if (!schema) throw new Error(`validate: no schema for ${pipeline.name} (none pinned, none inferred)`);
    const pinned = existing ?? (report.ok ? await pinFirstSchema(deps.db, pipeline.name, schema, input.dataset.id) : { version: 1 });

    const stored = await deps.artifacts.putJson(report);
    const html = await writeReport(
      deps.reportsDir,
      `${pipeline.name}/validation-${input.runId.replace(/[^A-Za-z0-9._-]+/g, '_')}.html`,
      renderValidationHtml(report, { title: `${pipeline.name}: ${input.dataset.source}`, referenceProfile: reference ?? undefined }),
    );
    await saveValidationReport(deps.db, {
      runId: input.runId, pipeline: pipeline.name, datasetId: input.dataset.id, schemaVersion: pinned.version,
      ok: report.ok, report, uri: stored.uri, htmlPath: html,
    });
    const quarantined = report.quarantine?.applied ? report.quarantine.rows : 0;
    const trainingDataset = report.ok && outcome.keptRows ? await keptDataset(input, outcome.keptRows, quarantined) : input.dataset;
    return {
      ok: report.ok,
      schemaVersion: pinned.version,
      schemaCreated: existing === null && report.ok,
      reportUri: stored.uri,
      reportHtml: html,
      errors: report.counts.errors,
      warnings: report.counts.warnings,
      topIssues: errorLines(report).slice(0, 5),
      trainingDataset,
      quarantinedRows: quarantined,
    };
  }

  return {
    /** Unreadable data (a DataError, here or in the thread) is not retried. */
    async validateDataset(input: ValidateInput): Promise<ValidationSummary> {
      return failClosedOnBadData(() => validate(input));
    },
  };
}
