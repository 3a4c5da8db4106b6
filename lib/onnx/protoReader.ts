// A minimal protobuf wire-format reader: fields with their byte ranges (so an editor can copy what it does not change), typed accessors.

export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** One field of a message; `start`..`end` is the whole field (tag included) within the message's bytes. */
export type ProtoField =
  | { field: number; wire: 0; start: number; end: number; value: bigint }
  | { field: number; wire: 1 | 2 | 5; start: number; end: number; data: Uint8Array };

const utf8 = new TextDecoder();

function readVarint(bytes: Uint8Array, pos: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n, i = pos; shift < 70n; shift += 7n, i++) {
    if (i >= bytes.length) throw new ProtoError(`truncated varint at byte ${pos}`);
    const b = bytes[i];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [BigInt.asUintN(64, value), i + 1];
  }
  throw new ProtoError(`varint longer than 10 bytes at byte ${pos}`);
}

/** Every field of a message, in order; throws ProtoError on anything that is not well-formed wire format. */
export function parseMessage(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (field === 0) throw new ProtoError(`field number 0 at byte ${start}`);
    if (wire === 0) {
      const [value, next] = readVarint(bytes, afterTag);
      fields.push({ field, wire, start, end: next, value });
      pos = next;
      continue;
    }
    let dataStart = afterTag;
    let size: number;
    if (wire === 1) size = 8;
    else if (wire === 5) size = 4;
    else if (wire === 2) {
      const [length, next] = readVarint(bytes, afterTag);
      if (length > BigInt(bytes.length)) throw new ProtoError(`field ${field} at byte ${start} claims ${length} bytes; only ${bytes.length - next} remain`);
      size = Number(length);
      dataStart = next;
    } else throw new ProtoError(`unsupported wire type ${wire} (field ${field}) at byte ${start}`);
    const end = dataStart + size;
    if (end > bytes.length) throw new ProtoError(`field ${field} at byte ${start} runs past the end (${end} > ${bytes.length} bytes)`);
    fields.push({ field, wire, start, end, data: bytes.subarray(dataStart, end) });
    pos = end;
  }
  return fields;
}

/** A length-delimited field's bytes; a ProtoError naming `what` for any other wire type. */
export function lengthDelimited(f: ProtoField, what: string): Uint8Array {
  if (f.wire !== 2) throw new ProtoError(`${what} (field ${f.field}) has wire type ${f.wire}, expected length-delimited`);
  return f.data;
}

/** The payloads of a length-delimited (string, bytes or message) field, in order. */
export function messagesOf(fields: ProtoField[], field: number, what: string): Uint8Array[] {
  return fields.filter((f) => f.field === field).map((f) => lengthDelimited(f, what));
}

export function stringsOf(fields: ProtoField[], field: number, what: string): string[] {
  return messagesOf(fields, field, what).map((b) => utf8.decode(b));
}

/** The last occurrence wins, as protobuf parsers do for singular fields. */
export function stringOf(fields: ProtoField[], field: number, what: string): string | undefined {
  return stringsOf(fields, field, what).at(-1);
}

/** A repeated varint field, packed or not (uint64 values; use BigInt.asIntN(64, v) for signed). */
export function varintsOf(fields: ProtoField[], field: number, what: string): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(f.value);
    else if (f.wire === 2) {
      for (let pos = 0; pos < f.data.length; ) {
        const [value, next] = readVarint(f.data, pos);
        out.push(value);
        pos = next;
      }
    }
    else throw new ProtoError(`${what} (field ${field}) has wire type ${f.wire}, expected a varint`);
  }
  return out;
}

export function varintOf(fields: ProtoField[], field: number, what: string): bigint | undefined {
  return varintsOf(fields, field, what).at(-1);
}

/** A repeated float field, packed or not. */
export function floatsOf(fields: ProtoField[], field: number, what: string): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire !== 5 && f.wire !== 2) throw new ProtoError(`${what} (field ${field}) has wire type ${f.wire}, expected float`);
    if (f.data.length % 4 !== 0) throw new ProtoError(`${what} (field ${field}): ${f.data.length} bytes is not a whole number of floats`);
    const view = new DataView(f.data.buffer, f.data.byteOffset, f.data.length);
    for (let i = 0; i < f.data.length; i += 4) out.push(view.getFloat32(i, true));
  }
  return out;
}
