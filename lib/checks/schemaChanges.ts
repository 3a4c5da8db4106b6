// Schema changes as anomalies: columns that are new, missing or retyped against a pinned schema, with a severity.
import type { ColumnKind, Table } from '../data/table.js';
import type { DataSchema } from './schema.js';

export type SchemaChangeKind = 'new_column' | 'missing_column' | 'retyped_column';

export interface SchemaChange {
  change: SchemaChangeKind;
  column: string;
  /** Missing: error (the pipeline reads it); retyped: error; new: warning (ignored downstream). */
  severity: 'error' | 'warning';
  /** The pinned schema's kind (missing, retyped). */
  expected?: ColumnKind;
  /** The data's kind (new, retyped). */
  found?: ColumnKind;
  message: string;
}

/** Compares the pinned schema's columns with the data's (a table, or another schema such as a newly inferred one). */
export function schemaChanges(pinned: DataSchema, actual: Table | DataSchema): SchemaChange[] {
  const found = new Map<string, ColumnKind>(actual.columns.map((c) => [c.name, c.kind]));
  const changes: SchemaChange[] = [];
  for (const spec of pinned.columns) {
    const kind = found.get(spec.name);
    if (kind === undefined) {
      changes.push({
        change: 'missing_column', column: spec.name, severity: 'error', expected: spec.kind,
        message: `column "${spec.name}" (${spec.kind}) is missing`,
      });
    } else if (kind !== spec.kind) {
      changes.push({
        change: 'retyped_column', column: spec.name, severity: 'error', expected: spec.kind, found: kind,
        message: `column "${spec.name}" was ${spec.kind} and is now ${kind}`,
      });
    }
  }
  const pinnedNames = new Set(pinned.columns.map((c) => c.name));
  for (const [name, kind] of found) {
    if (!pinnedNames.has(name)) {
      changes.push({ change: 'new_column', column: name, severity: 'warning', found: kind, message: `new column "${name}" (${kind}) is not in the schema` });
    }
  }
  return changes;
}
