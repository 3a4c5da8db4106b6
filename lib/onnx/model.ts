// Plain-data descriptions of ONNX messages (model, graph, node, attribute, value info, tensor) and their encoder.
//
// Field numbers follow onnx/onnx.proto (proto2). Repeated scalars declared [packed = true] there
// (TensorProto data fields) are written packed; attribute lists (floats/ints) are written unpacked,
// as onnx's own serializer does; protobuf parsers accept either form.

import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const TensorDataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;
export type TensorDataTypeValue = (typeof TensorDataType)[keyof typeof TensorDataType];

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: ArrayLike<number> }
  | { type: 'ints'; value: ArrayLike<number> }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: TensorSpec };

/** Shorthands for attribute values. */
export const attr = {
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  floats: (value: ArrayLike<number>): AttributeValue => ({ type: 'floats', value }),
  ints: (value: ArrayLike<number>): AttributeValue => ({ type: 'ints', value }),
  strings: (value: string[]): AttributeValue => ({ type: 'strings', value }),
  tensor: (value: TensorSpec): AttributeValue => ({ type: 'tensor', value }),
};

export interface TensorSpec {
  name: string;
  dataType: TensorDataTypeValue;
  dims: number[];
  /** For FLOAT and DOUBLE tensors. */
  floats?: ArrayLike<number>;
  /** For INT64 / INT32 / BOOL tensors. */
  ints?: ArrayLike<number>;
  /** For STRING tensors. */
  strings?: string[];
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** "" (default) for the standard operator set, e.g. "ai.onnx.ml" otherwise. */
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A tensor-typed value: dims are fixed sizes or symbolic names such as "N". */
export interface ValueInfoSpec {
  name: string;
  elemType: TensorDataTypeValue;
  dims: (number | string)[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueInfoSpec[];
  outputs: ValueInfoSpec[];
  initializers?: TensorSpec[];
  docString?: string;
}

export interface OpsetSpec {
  domain: string;
  version: number;
}

export interface ModelSpec {
  irVersion?: number;
  opsets: OpsetSpec[];
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  metadata?: Record<string, string>;
  graph: GraphSpec;
}

export function encodeTensor(t: TensorSpec): Uint8Array {
  const w = new ProtoWriter();
  w.packedVarints(1, t.dims); // dims
  w.varint(2, t.dataType); // data_type
  if (t.dataType === TensorDataType.FLOAT) w.packedFloats(4, t.floats ?? []); // float_data
  else if (t.dataType === TensorDataType.DOUBLE) w.packedDoubles(10, t.floats ?? []); // double_data
  else if (t.dataType === TensorDataType.INT64) w.packedVarints(7, t.ints ?? []); // int64_data
  else if (t.dataType === TensorDataType.INT32 || t.dataType === TensorDataType.BOOL) w.packedVarints(5, t.ints ?? []); // int32_data
  else if (t.dataType === TensorDataType.STRING) for (const s of t.strings ?? []) w.string(6, s); // string_data
  else throw new Error(`encodeTensor: data type ${t.dataType} not supported`);
  w.string(8, t.name); // name
  return w.finish();
}

export function encodeAttribute(name: string, a: AttributeValue): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, name); // name
  switch (a.type) {
    case 'float':
      w.float(2, a.value).varint(20, AttrType.FLOAT);
      break;
    case 'int':
      w.varint(3, a.value).varint(20, AttrType.INT);
      break;
    case 'string':
      w.string(4, a.value).varint(20, AttrType.STRING);
      break;
    case 'tensor':
      w.message(5, encodeTensor(a.value)).varint(20, AttrType.TENSOR);
      break;
    case 'floats':
      for (let i = 0; i < a.value.length; i++) w.float(7, a.value[i]);
      w.varint(20, AttrType.FLOATS);
      break;
    case 'ints':
      for (let i = 0; i < a.value.length; i++) w.varint(8, a.value[i]);
      w.varint(20, AttrType.INTS);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      w.varint(20, AttrType.STRINGS);
      break;
  }
  return w.finish();
}

export function encodeNode(n: NodeSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i); // input
  for (const o of n.outputs) w.string(2, o); // output
  if (n.name) w.string(3, n.name); // name
  w.string(4, n.opType); // op_type
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v)); // attribute
  if (n.domain) w.string(7, n.domain); // domain
  return w.finish();
}

export function encodeValueInfo(v: ValueInfoSpec): Uint8Array {
  const shape = new ProtoWriter(); // TensorShapeProto
  for (const d of v.dims) {
    const dim = new ProtoWriter(); // TensorShapeProto.Dimension
    if (typeof d === 'number') dim.varint(1, d); // dim_value
    else dim.string(2, d); // dim_param
    shape.message(1, dim.finish());
  }
  const tensorType = new ProtoWriter(); // TypeProto.Tensor
  tensorType.varint(1, v.elemType).message(2, shape.finish()); // elem_type, shape
  const type = new ProtoWriter(); // TypeProto
  type.message(1, tensorType.finish()); // tensor_type
  const w = new ProtoWriter();
  w.string(1, v.name).message(2, type.finish()); // name, type
  return w.finish();
}

export function encodeGraph(g: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n)); // node
  w.string(2, g.name); // name
  for (const t of g.initializers ?? []) w.message(5, encodeTensor(t)); // initializer
  if (g.docString) w.string(10, g.docString); // doc_string
  for (const i of g.inputs) w.message(11, encodeValueInfo(i)); // input
  for (const o of g.outputs) w.message(12, encodeValueInfo(o)); // output
  return w.finish();
}

/** Serializes a whole ModelProto (ir_version defaults to 8). */
export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion ?? 8); // ir_version
  if (m.producerName) w.string(2, m.producerName); // producer_name
  if (m.producerVersion) w.string(3, m.producerVersion); // producer_version
  if (m.modelVersion !== undefined) w.varint(5, m.modelVersion); // model_version
  if (m.docString) w.string(6, m.docString); // doc_string
  w.message(7, encodeGraph(m.graph)); // graph
  for (const o of m.opsets) {
    const op = new ProtoWriter(); // OperatorSetIdProto
    op.string(1, o.domain).varint(2, o.version);
    w.message(8, op.finish()); // opset_import
  }
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    const e = new ProtoWriter(); // StringStringEntryProto
    e.string(1, key).string(2, value);
    w.message(14, e.finish()); // metadata_props
  }
  return w.finish();
}
