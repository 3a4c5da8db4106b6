// A minimal protobuf wire-format writer: varints, length-delimited fields, fixed32 floats, packed repeats.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer; `finish()` returns the encoded message. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Raw varint (no tag). Negative numbers are written as 64-bit two's complement (10 bytes). */
  rawVarint(value: number | bigint): void {
    let v = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
    if (v < 0n) v = BigInt.asUintN(64, v);
    if (v <= 0x7fffffffn) {
      let n = Number(v);
      while (n > 0x7f) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.byte(n);
      return;
    }
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** Raw bytes appended as they are. */
  rawBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** int32/int64/uint64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** float field (wire type fixed32, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** double field (wire type fixed64). */
  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, value, true);
    this.len += 8;
    return this;
  }

  /** Length-delimited bytes field (also used for embedded messages). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH);
    this.rawVarint(value.length);
    this.rawBytes(value);
    return this;
  }

  /** UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Embedded message field, given its encoded bytes. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** Packed repeated float field. Nothing is written for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const f32 = Float32Array.from(values as ArrayLike<number>);
    const bytes = new Uint8Array(f32.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < f32.length; i++) view.setFloat32(i * 4, f32[i], true);
    return this.bytes(field, bytes);
  }

  /** Packed repeated double field. Nothing is written for an empty list. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, bytes);
  }

  /** Packed repeated varint field (int32/int64). Nothing is written for an empty list. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]);
    return this.bytes(field, inner.finish());
  }

  /** Encoded bytes so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encodes a UTF-8 string to bytes. */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}
