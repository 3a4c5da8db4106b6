// The pii end-to-end test's data and probes: customers with emails, a search for clear values in every file and table, the CLI.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { Queryable } from '../../lib/store/db.js';
import type { PipelineInput } from '../../lib/config/pipeline.js';

/** The subject whose data is erased, and the other customers; a customer's label is its own (the model learns it from the hash). */
export const SUBJECT = 'cust-subject-7f3a';
export const OTHERS = ['cust-other-01', 'cust-other-02', 'cust-other-03', 'cust-other-04', 'cust-other-05'];
export const LABEL_OF: Record<string, string> = { [SUBJECT]: 'yes', 'cust-other-01': 'yes', 'cust-other-02': 'yes', 'cust-other-03': 'no', 'cust-other-04': 'no', 'cust-other-05': 'no' };
export const emailOf = (customer: string): string => `${customer}@mail.example`;
/** Every clear personal value the test sends or ingests. */
export const CLEAR = [SUBJECT, ...OTHERS].flatMap((c) => [c, emailOf(c)]);

/** 240 rows: customer_id (hashed, a categorical feature), user_email (dropped), amount (noise), label (the customer's). */
export function customersCsv(): string {
  const lines = ['customer_id,user_email,amount,label'];
  let seed = 7;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < 240; i++) {
    const customer = [SUBJECT, ...OTHERS][i % 6];
    lines.push(`${customer},${emailOf(customer)},${(random() * 100).toFixed(2)},${LABEL_OF[customer]}`);
  }
  return lines.join('\n') + '\n';
}

export function definition(name: string, dataPath: string, pii: Record<string, 'drop' | 'hash'>): PipelineInput {
  return {
    name,
    data: { path: dataPath },
    target: 'label',
    features: { numeric: ['amount'], categorical: ['customer_id'] },
    search: { folds: 3, space: { logreg: { l2: [0.01] } } },
    gate: { metric: 'accuracy', minimum: 0.6 },
    pii,
  };
}

/** Files under `dir` (recursively) whose bytes contain any of the values, as "path: value". */
export async function filesContaining(dir: string, values: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const needles = values.map((v) => [v, Buffer.from(v)] as const);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => null); // a file removed meanwhile (a WAL segment, a temp file)
    if (!bytes) continue;
    for (const [v, b] of needles) if (bytes.includes(b)) found.push(`${path}: ${v}`);
  }
  return found;
}

/** Rows of every table of mlcycle's schema holding any of the values (each row as JSON text), as "table: value". */
export async function rowsContaining(db: Queryable, values: readonly string[]): Promise<string[]> {
  const tables = await db.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  const found: string[] = [];
  for (const { name } of tables.rows) {
    const res = await db.query<{ v: string }>(
      `SELECT v FROM unnest($1::text[]) v WHERE EXISTS (SELECT 1 FROM "${name}" t WHERE strpos(row_to_json(t)::text, v) > 0)`,
      [values],
    );
    for (const r of res.rows) found.push(`${name}: ${r.v}`);
  }
  return found;
}

/** The CLI in a child process against the test stack (its stack.json), with the test's MLCYCLE_PII_KEY. */
export function cli(stateDir: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { env: { ...process.env, MLCYCLE_STATE_DIR: stateDir, USER: 'dpo' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
