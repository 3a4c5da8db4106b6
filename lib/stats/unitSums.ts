// Per-unit sufficient statistics of a ratio metric (Σ unit sums / Σ unit counts) and its delta-method variance.

/**
 * Sums over the units i of one stream, where yᵢ is unit i's sum of values and nᵢ its count of values: K units, Σnᵢ,
 * Σnᵢ², Σyᵢ, Σyᵢ², Σyᵢnᵢ. Plain JSON, a few numbers whatever the traffic. A row that is its own unit has nᵢ = 1.
 */
export interface UnitSums {
  units: number;
  n: number;
  nn: number;
  y: number;
  yy: number;
  yn: number;
}

export const emptyUnitSums = (): UnitSums => ({ units: 0, n: 0, nn: 0, y: 0, yy: 0, yn: 0 });

/** One unit's values: their sum and how many. */
export interface UnitTotal {
  sum: number;
  count: number;
}

function finite(field: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${field} must be a finite number: got ${String(v)}`);
}

/** The sums of units given one by one (units with no values are left out, as the SQL that groups rows leaves them). */
export function unitSumsOf(units: Iterable<UnitTotal>, field = 'units'): UnitSums {
  const s = emptyUnitSums();
  let i = 0;
  for (const { sum, count } of units) {
    finite(`${field}[${i}].sum`, sum);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${field}[${i}].count must be a non-negative integer: got ${String(count)}`);
    i++;
    if (count === 0) continue;
    s.units += 1;
    s.n += count;
    s.nn += count * count;
    s.y += sum;
    s.yy += sum * sum;
    s.yn += sum * count;
  }
  return s;
}

/** Rows that are each their own unit (independent requests). */
export function rowsAsUnits(values: readonly number[], field = 'values'): UnitSums {
  return unitSumsOf(values.map((v) => ({ sum: v, count: 1 })), field);
}

/** 0/1 outcomes counted as successes of trials, each trial its own unit. */
export function countsAsUnits(successes: number, trials: number): UnitSums {
  return { units: trials, n: trials, nn: trials, y: successes, yy: successes, yn: successes };
}

/** Rows summarized by their count, mean and M2 (sum of squared deviations), each row its own unit. */
export function momentsAsUnits(m: { n: number; mean: number; m2: number }): UnitSums {
  const y = m.n * m.mean;
  return { units: m.n, n: m.n, nn: m.n, y, yy: m.m2 + y * m.mean, yn: y };
}

/** Sums of two sets of units with none in common (a unit split across the two would be counted as two). */
export function addUnitSums(a: UnitSums, b: UnitSums): UnitSums {
  return { units: a.units + b.units, n: a.n + b.n, nn: a.nn + b.nn, y: a.y + b.y, yy: a.yy + b.yy, yn: a.yn + b.yn };
}

/** Checks sums read from outside (a state, a query): finite, counts whole and consistent. */
export function checkUnitSums(s: UnitSums, field: string): void {
  if (s === null || typeof s !== 'object') throw new TypeError(`${field} must be an object of unit sums {units, n, nn, y, yy, yn}`);
  for (const key of ['units', 'n', 'nn', 'y', 'yy', 'yn'] as const) finite(`${field}.${key}`, s[key]);
  for (const key of ['units', 'n', 'nn'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 0) throw new RangeError(`${field}.${key} must be a non-negative integer: got ${s[key]}`);
  }
  if (s.n < s.units) throw new RangeError(`${field}: ${s.units} units cannot have only ${s.n} values`);
}

/** The ratio mean Σyᵢ / Σnᵢ (NaN without values). */
export function ratioMean(s: UnitSums): number {
  return s.n > 0 ? s.y / s.n : NaN;
}

/** Residuals below this share of Σyᵢ² + m²Σnᵢ² are taken as rounding of the raw sums (see SEQUENTIAL.md, Limits). */
const RELATIVE_ROUNDING = 1e-10;

/**
 * Delta-method variance of the ratio mean m = Σyᵢ/Σnᵢ over independent units: Σ(yᵢ − m·nᵢ)² / (Σnᵢ)², times
 * K/(K−1) when `smallSample` (the sample-variance convention). With one value per unit it is s²/n (smallSample) or
 * the plug-in σ²/n, e.g. p(1−p)/n for 0/1 values. NaN with fewer than two units.
 */
export function ratioVariance(s: UnitSums, smallSample: boolean): number {
  if (s.units < 2 || s.n <= 0) return NaN;
  const m = s.y / s.n;
  // Raw sums cancel: a residual within rounding of the terms it is the difference of is no variation at all.
  const raw = s.yy - 2 * m * s.yn + m * m * s.nn;
  const residual = raw > RELATIVE_ROUNDING * (s.yy + m * m * s.nn) ? raw : 0;
  const v = residual / (s.n * s.n);
  return smallSample ? (v * s.units) / (s.units - 1) : v;
}
