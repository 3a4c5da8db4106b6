// The Open Inference Protocol's binary tensor data extension: a JSON header, then raw little-endian tensor bytes.
import { endianness } from 'node:os';
import { gunzipSync, inflateSync } from 'node:zlib';
import { HttpError } from './errors.js';

/** The request and response header giving the JSON header's length in bytes; the tensor bytes follow it. */
export const INFERENCE_HEADER = 'inference-header-content-length';

/** Numeric datatypes an input may have (as JSON numbers or as binary); BYTES carries strings. */
export const NUMERIC_TYPES = ['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'];

const SIZES: Record<string, number> = { FP16: 2, FP32: 4, FP64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8 };

const bad = (message: string): HttpError => new HttpError(400, 'BadInput', message);

/** A request in the binary extension: its JSON header and the tensor bytes after it. */
export class BinaryInferBody {
  constructor(
    readonly header: unknown,
    readonly tensors: Buffer,
  ) {}
}

/** The infer body as the client sent it: plain JSON, or (with the length header) the JSON header and its tensor bytes. */
export function parseInferBody(sent: Buffer, headerLength: string | string[] | undefined, contentEncoding: string | string[] | undefined, limit: number): unknown {
  const raw = inflate(sent, contentEncoding, limit);
  if (headerLength === undefined) return parseJson(raw, 'body');
  const text = Array.isArray(headerLength) ? headerLength.join(',') : headerLength;
  if (!/^\d{1,12}$/.test(text.trim())) throw bad(`header Inference-Header-Content-Length must be a byte count, got ${JSON.stringify(text.slice(0, 40))}`);
  const length = Number(text.trim());
  if (length > raw.length) throw bad(`header Inference-Header-Content-Length says the JSON header has ${length} bytes, but the body has only ${raw.length}`);
  return new BinaryInferBody(parseJson(raw.subarray(0, length), `the first ${length} bytes (the JSON header)`), raw.subarray(length));
}

function inflate(raw: Buffer, encoding: string | string[] | undefined, limit: number): Buffer {
  const how = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? 'identity')).trim().toLowerCase();
  try {
    if (how === 'gzip') return gunzipSync(raw, { maxOutputLength: limit });
    if (how === 'deflate') return inflateSync(raw, { maxOutputLength: limit });
  } catch (err) {
    throw bad(`body is not valid ${how} data, or inflates past ${limit} bytes: ${(err as Error).message}`);
  }
  if (how !== 'identity' && how !== '') throw bad(`Content-Encoding ${how} is not supported (gzip, deflate or none)`);
  return raw;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw bad(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** An input as the JSON header describes it (already checked by the route's schema). */
export interface TensorInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data?: unknown[];
}

/**
 * Each input with its values: JSON `data` as sent, binary ones read in order from the tensor bytes (which must be
 * used exactly). Every problem names the input.
 */
export function decodeInputs<T extends TensorInput>(inputs: readonly T[], tensors: Buffer | null): (T & { data: unknown[] })[] {
  let offset = 0;
  const out = inputs.map((input) => {
    const size = input.parameters?.binary_data_size;
    if (input.parameters?.shared_memory_region !== undefined) throw bad(`input "${input.name}": shared memory (parameters.shared_memory_region) is not supported; send data or binary tensor data`);
    if (size === undefined) {
      if (!input.data) throw bad(`input "${input.name}" has neither data nor parameters.binary_data_size`);
      return { ...input, data: input.data };
    }
    const where = `input "${input.name}"`;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`${where}: parameters.binary_data_size must be a byte count, got ${JSON.stringify(size)}`);
    if (input.data) throw bad(`${where} has both data and parameters.binary_data_size: send its values one way`);
    if (!tensors) throw bad(`${where} has parameters.binary_data_size but the request has no Inference-Header-Content-Length header (binary tensor data extension)`);
    if (offset + size > tensors.length) {
      throw bad(`${where}: binary_data_size ${size} runs past the end of the body (${tensors.length - offset} tensor bytes left after the JSON header and earlier inputs)`);
    }
    const data = decodeTensor(input, tensors.subarray(offset, offset + size));
    offset += size;
    return { ...input, data };
  });
  if (tensors && offset !== tensors.length) {
    throw bad(`the body has ${tensors.length - offset} bytes after the last binary input's data (the binary_data_size of the inputs add up to ${offset})`);
  }
  return out;
}

function decodeTensor(input: TensorInput, bytes: Buffer): unknown[] {
  const where = `input "${input.name}"`;
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (input.datatype === 'BYTES') return decodeStrings(where, bytes, count, input.shape);
  const size = SIZES[input.datatype];
  if (size === undefined) throw bad(`${where}: datatype ${input.datatype} is not supported (numbers or BYTES)`);
  if (bytes.length !== count * size) {
    throw bad(`${where}: binary_data_size ${bytes.length} does not match shape [${input.shape.join(', ')}] of ${input.datatype} (${count} × ${size} = ${count * size} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const read = reader(input.datatype, view);
  const data = new Array<number>(count);
  for (let i = 0; i < count; i++) data[i] = read(i * size);
  return data;
}

function reader(datatype: string, v: DataView): (at: number) => number {
  switch (datatype) {
    case 'FP64': return (at) => v.getFloat64(at, true);
    case 'FP32': return (at) => v.getFloat32(at, true);
    case 'FP16': return (at) => half(v.getUint16(at, true));
    case 'INT8': return (at) => v.getInt8(at);
    case 'UINT8': return (at) => v.getUint8(at);
    case 'INT16': return (at) => v.getInt16(at, true);
    case 'UINT16': return (at) => v.getUint16(at, true);
    case 'INT32': return (at) => v.getInt32(at, true);
    case 'UINT32': return (at) => v.getUint32(at, true);
    case 'INT64': return (at) => Number(v.getBigInt64(at, true));
    default: return (at) => Number(v.getBigUint64(at, true)); // UINT64
  }
}

/** An IEEE 754 half-precision value. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** BYTES: each element a 4-byte little-endian length and that many bytes, read as UTF-8 (categories are strings). */
function decodeStrings(where: string, bytes: Buffer, count: number, shape: number[]): string[] {
  const data: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const k = data.length;
    if (at + 4 > bytes.length) throw bad(`${where}: BYTES element ${k} is truncated: ${bytes.length - at} byte(s) left where a 4-byte length was expected`);
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (at + length > bytes.length) throw bad(`${where}: BYTES element ${k} is truncated: its length says ${length} bytes, ${bytes.length - at} left`);
    try {
      data.push(utf8.decode(bytes.subarray(at, at + length)));
    } catch {
      throw bad(`${where}: BYTES element ${k} is not valid UTF-8`);
    }
    at += length;
    if (data.length > count) break;
  }
  if (data.length !== count) {
    const held = data.length > count ? `more than ${count}` : String(data.length);
    throw bad(`${where}: binary_data_size ${bytes.length} holds ${held} BYTES element(s), shape [${shape.join(', ')}] has ${count}`);
  }
  return data;
}

/** An output tensor of an answer. */
export interface TensorOutput {
  name: string;
  datatype: 'FP32' | 'FP64' | 'BYTES';
  shape: number[];
  data: number[] | string[];
}

/** Which outputs go back binary: an output's own `binary_data`, else the request's `binary_data_output`. */
export function binaryOutputs(requested: readonly { name: string; parameters?: Record<string, unknown> }[] | undefined, parameters: Record<string, unknown> | undefined): (name: string) => boolean {
  const all = parameters?.binary_data_output === true;
  const own = new Map(requested?.map((o) => [o.name, o.parameters?.binary_data]) ?? []);
  return (name) => {
    const flag = own.get(name);
    return typeof flag === 'boolean' ? flag : all;
  };
}

const LITTLE_ENDIAN = endianness() === 'LE';

function encodeTensor(out: TensorOutput): Buffer {
  if (out.datatype === 'BYTES') {
    const texts = (out.data as string[]).map((s) => Buffer.from(s, 'utf8'));
    const bytes = Buffer.allocUnsafe(texts.reduce((a, t) => a + 4 + t.length, 0));
    let at = 0;
    for (const t of texts) {
      bytes.writeUInt32LE(t.length, at);
      t.copy(bytes, at + 4);
      at += 4 + t.length;
    }
    return bytes;
  }
  const values = out.data as number[];
  const typed = out.datatype === 'FP32' ? Float32Array.from(values) : Float64Array.from(values);
  if (LITTLE_ENDIAN) return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  const bytes = Buffer.alloc(typed.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (out.datatype === 'FP32') bytes.writeFloatLE(values[i], i * 4);
    else bytes.writeDoubleLE(values[i], i * 8);
  }
  return bytes;
}

/** The answer's body: JSON alone, or (when an output is binary) the JSON header, its byte length, and the tensor bytes. */
export function encodeInferResponse(
  response: Record<string, unknown> & { outputs: TensorOutput[] },
  binary: (name: string) => boolean,
): { json: Record<string, unknown> } | { bytes: Buffer; headerLength: number } {
  if (!response.outputs.some((o) => binary(o.name))) return { json: response };
  const tensors: Buffer[] = [];
  const outputs = response.outputs.map((o) => {
    if (!binary(o.name)) return o;
    const bytes = encodeTensor(o);
    tensors.push(bytes);
    return { name: o.name, datatype: o.datatype, shape: o.shape, parameters: { binary_data_size: bytes.length } };
  });
  const header = Buffer.from(JSON.stringify({ ...response, outputs }), 'utf8');
  return { bytes: Buffer.concat([header, ...tensors]), headerLength: header.length };
}
