// How far the challenger's predictions moved from the champion's: PSI over predicted labels, or over values binned on the champion's deciles.
import { psiCategorical, psiNumeric } from '../stats/psi.js';

/** null when either side has fewer than `minAnswers` answers (too few to judge). */
export function predictionShift(task: 'classification' | 'regression', champion: readonly (string | number)[], challenger: readonly (string | number)[], minAnswers: number): number | null {
  if (champion.length < minAnswers || challenger.length < minAnswers) return null;
  if (task === 'classification') return psiCategorical(champion.map(String), challenger.map(String));
  const values = (a: readonly (string | number)[]): Float64Array => Float64Array.from(a, Number).filter((v) => Number.isFinite(v));
  const shift = psiNumeric(values(champion), values(challenger));
  return Number.isFinite(shift) ? shift : null;
}
