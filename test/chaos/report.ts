// One scenario's outcome as the suite's table reports it, and the load figures after it; test files append both to MLCYCLE_CHAOS_RESULTS.
import { appendFileSync } from 'node:fs';

export interface ScenarioRow {
  scenario: string;
  runs: number;
  faults: number;
  /** What a user would check, in words: e.g. "20/20 completed; 1,234 answers logged once". */
  outcome: string;
  lost: number;
  duplicated: number;
  seed: number;
  /** Figures beside the row (recovery time, error counts...). */
  figures?: Record<string, number | string>;
}

/** Prints the row and, when the runner collects them, appends it to its file. */
export function reportRow(row: ScenarioRow): void {
  process.stderr.write(`  [chaos] ${row.scenario}: ${row.outcome}; lost ${row.lost}, duplicated ${row.duplicated} (seed ${row.seed})\n`);
  const file = process.env.MLCYCLE_CHAOS_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** The markdown table: | scenario | runs | faults injected | outcome | lost | duplicated |, then each row's seed and figures. */
export function markdownTable(rows: readonly ScenarioRow[]): string {
  const lines = ['| scenario | runs | faults injected | outcome | lost | duplicated |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.runs} | ${r.faults} | ${r.outcome} | ${r.lost} | ${r.duplicated} |`);
  lines.push('', 'Seeds and figures:');
  for (const r of rows) {
    const figures = Object.entries(r.figures ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`- ${r.scenario}: seed ${r.seed}${figures ? `; ${figures}` : ''}`);
  }
  return lines.join('\n');
}

/** A load measurement: not a scenario row (nothing injected), a named list of figures printed after the table. */
export interface LoadFigures {
  name: string;
  figures: Record<string, number | string>;
}

/** A line of the results file: a scenario row, or load figures (marked, so that older readers skip nothing). */
export type ResultLine = ({ kind?: 'scenario' } & ScenarioRow) | ({ kind: 'load' } & LoadFigures);

/** Prints the figures and, when the runner collects them, appends them to its file (after the scenario rows in the output). */
export function reportLoad(load: LoadFigures): void {
  const figures = Object.entries(load.figures).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stderr.write(`  [chaos] load: ${load.name}: ${figures}\n`);
  const file = process.env.MLCYCLE_CHAOS_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify({ kind: 'load', ...load })}\n`);
}

/** The "Load" section: one line per measurement, its figures in the order measured. */
export function loadSection(loads: readonly LoadFigures[]): string {
  const lines = ['Load:'];
  for (const l of loads) lines.push(`- ${l.name}: ${Object.entries(l.figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return lines.join('\n');
}

/** Splits the results file's lines into scenario rows and load figures, in the order reported. */
export function readResults(text: string): { rows: ScenarioRow[]; loads: LoadFigures[] } {
  const rows: ScenarioRow[] = [];
  const loads: LoadFigures[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as ResultLine;
    if (r.kind === 'load') loads.push({ name: r.name, figures: r.figures });
    else rows.push(r);
  }
  return { rows, loads };
}
