// Offending values of one check: how many, up to 5 distinct examples, the first 5 row numbers and (given rows) a row mask.

/** Values and rows shown per check. */
export const SAMPLE = 5;

/** Collects offending values: count, up to 5 distinct values, the first 5 row numbers and (given rows) a row mask. */
export class Offenders {
  count = 0;
  readonly sample: (string | number | null)[] = [];
  readonly rows: number[] = [];
  mask: Uint8Array | null = null;
  constructor(private readonly maskRows = 0) {}
  add(value: string | number | null, row: number): void {
    this.count++;
    if (this.maskRows > 0) (this.mask ??= new Uint8Array(this.maskRows))[row] = 1;
    if (this.rows.length < SAMPLE) this.rows.push(row + 1);
    if (this.sample.length < SAMPLE && !this.sample.includes(value)) this.sample.push(value);
  }
  examples(): string {
    const shown = this.sample.slice(0, 3).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
    return `(e.g. ${shown.join(', ')})`;
  }
}
