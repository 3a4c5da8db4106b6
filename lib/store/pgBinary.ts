// PostgreSQL's binary COPY format, written into one growing buffer: no text to parse on the server, no string per number here.
// By hand: pg-copy-streams-binary takes an object per field, which costs more than the row it writes at this rate.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** 2000-01-01T00:00:00Z in ms since the epoch: PostgreSQL's time origin. */
const PG_EPOCH_MS = 946_684_800_000;

export const OID = { int4: 23, text: 25, float4: 700, float8: 701 } as const;

export class BinaryCopyWriter {
  private buf: Buffer;
  /** The same bytes as `buf`: DataView's big-endian setters are inlined by the JIT, Buffer's write*BE are not. */
  private view: DataView;
  private at = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.bytes(SIGNATURE);
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  /** The stream: header, the tuples written so far and the trailer. */
  finish(): Buffer {
    this.int16(-1);
    return this.buf.subarray(0, this.at);
  }

  /** Starts a tuple of `fields` fields. */
  tuple(fields: number): void {
    this.int16(fields);
  }

  null(): void {
    this.int32(-1);
  }

  int4(v: number): void {
    this.int32(4);
    this.int32(v);
  }

  float4(v: number): void {
    this.ensure(8);
    this.view.setInt32(this.at, 4);
    this.view.setFloat32(this.at + 4, v);
    this.at += 8;
  }

  /** A timestamptz from ms since the epoch (kept to the microsecond). */
  timestamptz(ms: number): void {
    this.ensure(12);
    this.view.setInt32(this.at, 8);
    this.buf.writeBigInt64BE(BigInt(Math.round((ms - PG_EPOCH_MS) * 1000)), this.at + 4);
    this.at += 12;
  }

  /** A uuid from its canonical text (8-4-4-4-12 hex). */
  uuid(text: string): void {
    this.ensure(20);
    this.view.setInt32(this.at, 16);
    this.buf.write(text.replace(/-/g, ''), this.at + 4, 16, 'hex');
    this.at += 20;
  }

  text(v: string): void {
    this.ensure(4 + v.length * 3);
    const n = this.buf.write(v, this.at + 4, 'utf8');
    this.view.setInt32(this.at, n);
    this.at += 4 + n;
  }

  /** jsonb: its format version (1), then the JSON text. */
  jsonb(value: unknown): void {
    const json = JSON.stringify(value);
    this.ensure(5 + json.length * 3);
    this.buf[this.at + 4] = 1;
    const n = this.buf.write(json, this.at + 5, 'utf8');
    this.view.setInt32(this.at, n + 1);
    this.at += 5 + n;
  }

  /** A one-dimensional float8[] (null, or a NaN, is SQL NULL). */
  float8Array(values: ArrayLike<number | null>): void {
    this.floatArray(values, 8);
  }

  /** A one-dimensional real[] (null or NaN is SQL NULL). */
  float4Array(values: ArrayLike<number | null>): void {
    this.floatArray(values, 4);
  }

  private floatArray(values: ArrayLike<number | null>, width: 4 | 8): void {
    const n = values.length;
    const start = this.arrayHead(width === 8 ? OID.float8 : OID.float4, n, n * (4 + width));
    let nulls = 0;
    const d = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v !== v) {
        d.setInt32(at, -1);
        at += 4;
        nulls = 1;
        continue;
      }
      d.setInt32(at, width);
      if (width === 8) d.setFloat64(at + 4, v);
      else d.setFloat32(at + 4, v);
      at += 4 + width;
    }
    this.arrayEnd(start, at, nulls);
  }

  int4Array(values: readonly number[]): void {
    const start = this.arrayHead(OID.int4, values.length, values.length * 8);
    let at = this.at;
    const d = this.view;
    for (const v of values) {
      d.setInt32(at, 4);
      d.setInt32(at + 4, v);
      at += 8;
    }
    this.arrayEnd(start, at, 0);
  }

  /** A one-dimensional text[] (null is SQL NULL). */
  textArray(values: readonly (string | null)[]): void {
    let bound = 0;
    for (const v of values) bound += 4 + (v === null ? 0 : v.length * 3);
    const start = this.arrayHead(OID.text, values.length, bound);
    let nulls = 0;
    let at = this.at;
    for (const v of values) {
      if (v === null) {
        this.view.setInt32(at, -1);
        at += 4;
        nulls = 1;
        continue;
      }
      const n = this.buf.write(v, at + 4, 'utf8');
      this.view.setInt32(at, n);
      at += 4 + n;
    }
    this.arrayEnd(start, at, nulls);
  }

  /** Writes an array's header (room for `bound` bytes of elements after it); returns where its length goes. */
  private arrayHead(oid: number, n: number, bound: number): number {
    this.ensure(24 + bound);
    const start = this.at;
    const d = this.view;
    d.setInt32(start + 4, 1); // dimensions
    d.setInt32(start + 8, 0); // has nulls (set in arrayEnd)
    d.setInt32(start + 12, oid);
    d.setInt32(start + 16, n);
    d.setInt32(start + 20, 1); // lower bound
    this.at = start + 24;
    return start;
  }

  private arrayEnd(start: number, end: number, nulls: number): void {
    this.view.setInt32(start, end - start - 4);
    this.view.setInt32(start + 8, nulls);
    this.at = end;
  }

  private int16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.at, v);
    this.at += 2;
  }

  private int32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.at, v);
    this.at += 4;
  }

  private bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }
}
