// The smoke test an imported model's outputs must pass on the holdout: probabilities that are probabilities, labels that agree with them, finite values.
import type { OnnxOutputs } from './runtime.js';

const short = (x: number): string => String(Number(x.toPrecision(4)));

/** What is wrong with the outputs: one line per problem, with its row count and the first row showing it (empty: nothing). */
export function smokeProblems(outputs: OnnxOutputs, classes: readonly string[]): string[] {
  const problems = new Map<string, { rows: number; example: string }>();
  const note = (problem: string, row: number, detail: string): void => {
    const seen = problems.get(problem);
    if (seen) seen.rows++;
    else problems.set(problem, { rows: 1, example: `row ${row}: ${detail}` });
  };
  if (outputs.task === 'regression') {
    outputs.values.forEach((v, i) => {
      if (!Number.isFinite(v)) note('non-finite prediction', i, String(v));
    });
  } else {
    const k = outputs.classes;
    outputs.labels.forEach((label, i) => {
      const row = outputs.probabilities.subarray(i * k, i * k + k);
      if (!row.every((p) => Number.isFinite(p) && p >= -1e-6)) note('a probability is negative or not finite', i, `[${Array.from(row, short).join(', ')}]`);
      const sum = row.reduce((a, b) => a + b, 0);
      if (!(Math.abs(sum - 1) <= 1e-3)) note('probabilities do not sum to 1 (±1e-3)', i, `sum ${short(sum)}`);
      const j = classes.indexOf(label);
      if (j < 0) note('label is not one of the classes', i, JSON.stringify(label));
      else if (row[j] < Math.max(...row) - 1e-6) note('label is not the most probable class', i, `"${label}" p=${short(row[j])}, max p=${short(Math.max(...row))}`);
    });
  }
  return [...problems].map(([problem, { rows, example }]) => `${problem}: ${rows} row(s), e.g. ${example}`);
}
