// Edits an ONNX model at the wire level: splices the graph's repeated fields, re-encodes only what changes, copies the rest byte for byte.
import { encodeNode, encodeTensor, encodeValueInfo, TensorDataType, type NodeSpec, type TensorSpec, type ValueInfoSpec } from './model.js';
import { ProtoWriter } from './protobuf.js';
import type { OnnxGraph, OnnxModel, OnnxNode } from './onnxDecode.js';
import { parseMessage, type ProtoField } from './protoReader.js';

const utf8 = new TextDecoder();

/** Default-domain opset declared when the model imports none and new standard nodes (Cast, Identity, Concat, Reshape) are added. */
export const ADDED_DEFAULT_OPSET = 13;

/** Rewrites the string fields `numbers` of an encoded message through `renames`; null when nothing changed. */
function renameStrings(bytes: Uint8Array, numbers: readonly number[], renames: ReadonlyMap<string, string>): Uint8Array | null {
  const w = new ProtoWriter();
  let changed = false;
  for (const f of parseMessage(bytes)) {
    const renamed = f.wire === 2 && numbers.includes(f.field) ? renames.get(utf8.decode(f.data)) : undefined;
    if (renamed !== undefined) {
      w.string(f.field, renamed);
      changed = true;
    } else w.rawBytes(bytes.subarray(f.start, f.end));
  }
  return changed ? w.finish() : null;
}

/** A planned edit of one graph; `apply` writes the new model. */
export class GraphEdit {
  readonly removeNodes = new Set<OnnxNode>();
  /** New nodes that read graph inputs (written before every original node) and that read the model's results (after). */
  readonly prepend: NodeSpec[] = [];
  readonly append: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  /** Original graph input → the inputs written in its place (same position). */
  readonly replaceInputs = new Map<string, ValueInfoSpec[]>();
  /** Original graph outputs kept as they are; every other original output is dropped. */
  readonly keepOutputs = new Set<string>();
  readonly newOutputs: ValueInfoSpec[] = [];
  readonly dropValueInfo = new Set<string>();
  /** Renames of original values (in the original nodes, initializers and value_info). */
  readonly renames = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly shapes = new Map<string, string>();

  constructor(readonly graph: OnnxGraph) {
    for (const n of graph.nodes) {
      for (const v of [...n.inputs, ...n.outputs]) this.used.add(v);
      this.nodeNames.add(n.name);
    }
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo, ...graph.initializers]) this.used.add(v.name);
  }

  /** A value name not used anywhere in the graph yet (reserved from now on). */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Frees `name` for a new value: an original value of that name is renamed (its new name is returned). */
  claim(name: string, renameTo = name): string | undefined {
    if (!this.used.has(name)) {
      this.used.add(name);
      return undefined;
    }
    const renamed = this.fresh(renameTo);
    this.renames.set(name, renamed);
    return renamed;
  }

  /** An original value's name after the renames. */
  current(name: string): string {
    return this.renames.get(name) ?? name;
  }

  /** A new standard-domain node with a unique name. */
  node(where: 'before' | 'after', opType: string, inputs: string[], outputs: string[], attributes?: NodeSpec['attributes']): void {
    let name = `mlcycle_${opType.toLowerCase()}_${outputs[0]}`;
    for (let k = 1; this.nodeNames.has(name); k++) name = `mlcycle_${opType.toLowerCase()}_${outputs[0]}_${k}`;
    this.nodeNames.add(name);
    (where === 'before' ? this.prepend : this.append).push({ opType, inputs, outputs, name, attributes });
  }

  /** An int64 initializer holding a Reshape target shape, shared by every Reshape to it. */
  shape(dims: number[]): string {
    const key = dims.join(',');
    const known = this.shapes.get(key);
    if (known) return known;
    const name = this.fresh(`mlcycle_shape_${dims.map((d) => (d < 0 ? 'any' : String(d))).join('x')}`);
    this.initializers.push({ name, dataType: TensorDataType.INT64, dims: [dims.length], ints: dims });
    this.shapes.set(key, name);
    return name;
  }

  private graphBytes(): Uint8Array {
    const g = this.graph;
    const nodes = new Map(g.nodes.map((n) => [n.field, n]));
    const inputs = new Map(g.inputs.map((v) => [v.field, v.name]));
    const outputs = new Map(g.outputs.map((v) => [v.field, v.name]));
    const valueInfo = new Map(g.valueInfo.map((v) => [v.field, v.name]));
    const w = new ProtoWriter();
    const copy = (f: ProtoField, renamedFields: number[]): void => {
      const renamed = f.wire === 2 && this.renames.size > 0 ? renameStrings(f.data, renamedFields, this.renames) : null;
      if (renamed) w.message(f.field, renamed);
      else w.rawBytes(g.bytes.subarray(f.start, f.end));
    };
    for (const n of this.prepend) w.message(1, encodeNode(n));
    for (const f of g.fields) {
      if (f.field === 1) {
        if (!this.removeNodes.has(nodes.get(f) as OnnxNode)) copy(f, [1, 2]); // NodeProto input, output
      } else if (f.field === 5) copy(f, [8]); // TensorProto.name
      else if (f.field === 11) {
        const name = inputs.get(f) as string;
        const replacement = this.replaceInputs.get(name);
        if (replacement) for (const v of replacement) w.message(11, encodeValueInfo(v));
        else if (this.renames.has(name)) throw new Error(`graph input "${name}" cannot be renamed in place`);
        else w.rawBytes(g.bytes.subarray(f.start, f.end));
      } else if (f.field === 12) {
        if (this.keepOutputs.has(outputs.get(f) as string)) w.rawBytes(g.bytes.subarray(f.start, f.end));
      } else if (f.field === 13) {
        if (!this.dropValueInfo.has(valueInfo.get(f) as string)) copy(f, [1]); // ValueInfoProto.name
      } else w.rawBytes(g.bytes.subarray(f.start, f.end));
    }
    for (const n of this.append) w.message(1, encodeNode(n));
    for (const t of this.initializers) w.message(5, encodeTensor(t));
    for (const o of this.newOutputs) w.message(12, encodeValueInfo(o));
    return w.finish();
  }

  /** Does applying the edit add a default-domain opset_import (new standard nodes, and the model imports none)? */
  addsDefaultOpset(model: OnnxModel): boolean {
    const added = [...this.prepend, ...this.append].some((n) => !n.domain);
    return added && !model.opsets.some((o) => o.domain === '' || o.domain === 'ai.onnx');
  }

  /** The edited model: the ModelProto's other fields are copied byte for byte. */
  apply(model: OnnxModel): Uint8Array {
    const graph = this.graphBytes();
    const w = new ProtoWriter();
    for (const f of model.fields) {
      if (f.field === 7) w.message(7, graph);
      else w.rawBytes(model.bytes.subarray(f.start, f.end));
    }
    if (this.addsDefaultOpset(model)) w.message(8, new ProtoWriter().string(1, '').varint(2, ADDED_DEFAULT_OPSET).finish());
    return w.finish();
  }
}
