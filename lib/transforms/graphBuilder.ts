// Accumulates the ONNX nodes and constants of compiled transforms: fresh value names, typed constants, shared subgraphs.
import { attr, TensorDataType, type AttributeValue, type NodeSpec, type TensorSpec } from '../onnx/model.js';

/** Prefix of every value the transforms add (never a column name: those are identifiers without it). */
export const TRANSFORM_PREFIX = '__mlcycle_tf_';

export const MS_DOMAIN = 'com.microsoft';
export const ML_DOMAIN = 'ai.onnx.ml';

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  readonly domains = new Set<string>();
  /** Shared subgraphs (a date column's parts) by key. */
  readonly cache = new Map<string, string[]>();
  private count = 0;

  fresh(base: string): string {
    return `${TRANSFORM_PREFIX}${base}_${this.count++}`;
  }

  /** One node; returns its outputs (`outputs` fresh names unless given). */
  ops(opType: string, inputs: string[], options: { attributes?: Record<string, AttributeValue>; domain?: string; outputs?: number | string[] } = {}): string[] {
    const outputs = Array.isArray(options.outputs)
      ? options.outputs
      : Array.from({ length: options.outputs ?? 1 }, () => this.fresh(opType.toLowerCase()));
    if (options.domain) this.domains.add(options.domain);
    this.nodes.push({ opType, inputs, outputs, name: this.fresh(`node_${opType.toLowerCase()}`), domain: options.domain, attributes: options.attributes });
    return outputs;
  }

  op(opType: string, inputs: string[], attributes?: Record<string, AttributeValue>, domain?: string): string {
    return this.ops(opType, inputs, { attributes, domain })[0];
  }

  /** A double constant: a scalar, or a [1, k] row for a list. */
  double(v: number | number[]): string {
    const name = this.fresh('const');
    const values = Array.isArray(v) ? v : [v];
    this.initializers.push({ name, dataType: TensorDataType.DOUBLE, dims: Array.isArray(v) ? [1, v.length] : [], floats: values });
    return name;
  }

  string(v: string): string {
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: TensorDataType.STRING, dims: [], strings: [v] });
    return name;
  }

  int64(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: TensorDataType.INT64, dims, ints: values });
    return name;
  }

  toDouble(x: string): string {
    return this.op('Cast', [x], { to: attr.int(TensorDataType.DOUBLE) });
  }

  isNaN(x: string): string {
    return this.op('IsNaN', [x]);
  }

  /** x where it is not NaN, else `orElse`. */
  unlessNaN(x: string, value: string, orElse: string): string {
    return this.op('Where', [this.isNaN(x), orElse, value]);
  }

  /** bool [N, 1]: the string is "" (missing); strings compare through a LabelEncoder (Equal takes strings only from opset 19). */
  isEmpty(s: string): string {
    const hit = this.op('LabelEncoder', [s], { keys_strings: attr.strings(['']), values_floats: attr.floats([1]), default_float: attr.float(0) }, ML_DOMAIN);
    return this.op('Cast', [hit], { to: attr.int(TensorDataType.BOOL) });
  }
}
