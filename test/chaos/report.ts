// One scenario's outcome as the suite's table reports it; each test file appends its rows to MLCYCLE_CHAOS_RESULTS.
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
