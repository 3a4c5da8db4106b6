// Just enough ONNX decoding (model, graph, node, attribute, value info) to inspect a model; field numbers follow onnx/onnx.proto.
import { floatsOf, lengthDelimited, messagesOf, parseMessage, ProtoError, stringOf, stringsOf, varintOf, varintsOf, type ProtoField } from './protoReader.js';

/** AttributeProto: name and type decoded; values on demand (attributeInts, …), since a tree ensemble's lists are long. */
export interface OnnxAttribute {
  name: string;
  /** AttributeProto.AttributeType. */
  type: number;
  /** Holds a subgraph (g or graphs), whose nodes may name values of the outer graph. */
  hasGraph: boolean;
  fields: ProtoField[];
}

export const attributeInt = (a: OnnxAttribute): bigint | undefined => varintOf(a.fields, 3, 'AttributeProto.i');
export const attributeFloat = (a: OnnxAttribute): number | undefined => floatsOf(a.fields, 2, 'AttributeProto.f').at(-1);
export const attributeString = (a: OnnxAttribute): string | undefined => stringOf(a.fields, 4, 'AttributeProto.s');
export const attributeInts = (a: OnnxAttribute): bigint[] => varintsOf(a.fields, 8, 'AttributeProto.ints');
export const attributeFloats = (a: OnnxAttribute): number[] => floatsOf(a.fields, 7, 'AttributeProto.floats');
export const attributeStrings = (a: OnnxAttribute): string[] => stringsOf(a.fields, 9, 'AttributeProto.strings');

export interface OnnxNode {
  field: ProtoField;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A dimension: a size, a symbolic name, or unknown. */
export type OnnxDim = number | string | null;

export type OnnxType =
  | { kind: 'tensor'; elemType: number; /** null: no shape recorded. */ dims: OnnxDim[] | null }
  | { kind: 'sequence' | 'map' | 'optional' | 'sparse' | 'opaque' | 'unknown' };

export interface OnnxValueInfo {
  field: ProtoField;
  name: string;
  type: OnnxType;
}

export interface OnnxGraph {
  /** The GraphProto's bytes; every `field` below indexes into them. */
  bytes: Uint8Array;
  fields: ProtoField[];
  nodes: OnnxNode[];
  /** `external`: the tensor's data lives in a file beside the model (TensorProto.data_location EXTERNAL). */
  initializers: { field: ProtoField; name: string; external: boolean }[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  bytes: Uint8Array;
  fields: ProtoField[];
  irVersion: number | undefined;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}

function decodeAttribute(bytes: Uint8Array): OnnxAttribute {
  const fields = parseMessage(bytes);
  return {
    name: stringOf(fields, 1, 'AttributeProto.name') ?? '',
    type: Number(varintOf(fields, 20, 'AttributeProto.type') ?? 0n),
    hasGraph: fields.some((x) => x.field === 6 || x.field === 11),
    fields,
  };
}

function decodeNode(field: ProtoField): OnnxNode {
  const f = parseMessage(lengthDelimited(field, 'GraphProto.node'));
  return {
    field,
    name: stringOf(f, 3, 'NodeProto.name') ?? '',
    opType: stringOf(f, 4, 'NodeProto.op_type') ?? '',
    domain: stringOf(f, 7, 'NodeProto.domain') ?? '',
    inputs: stringsOf(f, 1, 'NodeProto.input'),
    outputs: stringsOf(f, 2, 'NodeProto.output'),
    attributes: messagesOf(f, 5, 'NodeProto.attribute').map(decodeAttribute),
  };
}

const TYPE_KINDS: Record<number, OnnxType['kind']> = { 1: 'tensor', 4: 'sequence', 5: 'map', 7: 'opaque', 8: 'sparse', 9: 'optional' };

function decodeType(bytes: Uint8Array | undefined): OnnxType {
  if (!bytes) return { kind: 'unknown' };
  const f = parseMessage(bytes);
  const which = f.find((x) => TYPE_KINDS[x.field] !== undefined);
  if (!which) return { kind: 'unknown' };
  const kind = TYPE_KINDS[which.field];
  if (kind !== 'tensor') return { kind };
  const tensor = parseMessage(lengthDelimited(which, 'TypeProto.tensor_type'));
  const shape = messagesOf(tensor, 2, 'TypeProto.Tensor.shape').at(-1);
  const dims = shape
    ? messagesOf(parseMessage(shape), 1, 'TensorShapeProto.dim').map((d): OnnxDim => {
        const df = parseMessage(d);
        const value = varintOf(df, 1, 'Dimension.dim_value');
        return value !== undefined ? Number(BigInt.asIntN(64, value)) : (stringOf(df, 2, 'Dimension.dim_param') ?? null);
      })
    : null;
  return { kind, elemType: Number(varintOf(tensor, 1, 'TypeProto.Tensor.elem_type') ?? 0n), dims };
}

function decodeValueInfo(field: ProtoField, what: string): OnnxValueInfo {
  const f = parseMessage(lengthDelimited(field, what));
  return { field, name: stringOf(f, 1, `${what}.name`) ?? '', type: decodeType(messagesOf(f, 2, `${what}.type`).at(-1)) };
}

export function decodeGraph(bytes: Uint8Array): OnnxGraph {
  const fields = parseMessage(bytes);
  const of = (n: number) => fields.filter((f) => f.field === n);
  return {
    bytes,
    fields,
    nodes: of(1).map(decodeNode),
    initializers: of(5).map((field) => {
      const tensor = parseMessage(lengthDelimited(field, 'GraphProto.initializer'));
      return { field, name: stringOf(tensor, 8, 'TensorProto.name') ?? '', external: varintOf(tensor, 14, 'TensorProto.data_location') === 1n };
    }),
    inputs: of(11).map((f) => decodeValueInfo(f, 'GraphProto.input')),
    outputs: of(12).map((f) => decodeValueInfo(f, 'GraphProto.output')),
    valueInfo: of(13).map((f) => decodeValueInfo(f, 'GraphProto.value_info')),
  };
}

/** Decodes a ModelProto; throws ProtoError when the bytes are not one (bad wire format; no graph, ir_version or opset_import). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new ProtoError('the file is empty');
  const fields = parseMessage(bytes);
  const graph = messagesOf(fields, 7, 'ModelProto.graph');
  const irVersion = varintOf(fields, 1, 'ModelProto.ir_version');
  if (graph.length === 0) throw new ProtoError('no graph (ModelProto field 7)');
  if (graph.length > 1) throw new ProtoError(`${graph.length} graphs (ModelProto field 7)`);
  if (irVersion === undefined) throw new ProtoError('no ir_version (ModelProto field 1)');
  const opsets = messagesOf(fields, 8, 'ModelProto.opset_import').map((b) => {
    const f = parseMessage(b);
    return { domain: stringOf(f, 1, 'OperatorSetIdProto.domain') ?? '', version: Number(varintOf(f, 2, 'OperatorSetIdProto.version') ?? 0n) };
  });
  if (opsets.length === 0) throw new ProtoError('no opset_import (ModelProto field 8)');
  return {
    bytes,
    fields,
    irVersion: Number(irVersion),
    producerName: stringOf(fields, 2, 'ModelProto.producer_name') ?? '',
    producerVersion: stringOf(fields, 3, 'ModelProto.producer_version') ?? '',
    opsets,
    graph: decodeGraph(graph[0]),
  };
}
