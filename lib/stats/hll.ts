// HyperLogLog distinct-count estimate over 32-bit hashes (Flajolet et al. 2007, with linear counting for small sets).

export class HyperLogLog {
  readonly precision: number;
  readonly registers: Uint8Array;
  private readonly shift: number;

  /** 2^precision registers; the standard error is about 1.04 / sqrt(2^precision) (0.8 % at 14). */
  constructor(precision = 14) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) throw new RangeError(`HyperLogLog precision must be 4..16, got ${precision}`);
    this.precision = precision;
    this.shift = 32 - precision;
    this.registers = new Uint8Array(1 << precision);
  }

  /** Adds one 32-bit hash (any int32 or uint32). */
  add(hash: number): void {
    const index = hash >>> this.shift;
    // Rank: position of the first 1 bit among the remaining bits (a sentinel bit bounds it).
    const rank = Math.clz32((hash << this.precision) | (1 << (this.precision - 1))) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.registers[i];
      sum += 1 / (1 << r);
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    let e = (alpha * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * Math.log(m / zeros);
    else if (e > 2 ** 32 / 30) e = -(2 ** 32) * Math.log(1 - e / 2 ** 32);
    return Math.round(e);
  }
}
