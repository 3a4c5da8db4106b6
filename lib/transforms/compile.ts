// Serving side: fitted transforms as ONNX nodes from the raw input columns to every derived column (double inside, float out).
import { attr, encodeModel, TensorDataType, type NodeSpec, type TensorSpec, type ValueInfoSpec } from '../onnx/model.js';
import { ANALYZERS, type Stats } from './analyzers.js';
import type { FittedTransforms } from './fit.js';
import { GraphBuilder, ML_DOMAIN, MS_DOMAIN } from './graphBuilder.js';
import { REGISTRY } from './registry.js';
import { rawString } from './strings.js';
import type { Expr, ValueType } from './types.js';

/** Opset versions the compiled nodes are written for (the exporters' default and ML opsets; com.microsoft for Tokenizer). */
export const TRANSFORM_OPSETS: Record<string, number> = { '': 17, [ML_DOMAIN]: 3, [MS_DOMAIN]: 1 };

export interface CompiledTransforms {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  /** Domains beyond the default one the nodes use. */
  domains: string[];
  /** Raw columns: float [N, 1] for numbers, string [N, 1] for strings and ISO dates. */
  inputs: ValueInfoSpec[];
  /** Derived columns, each a value named as the column: float [N, 1] or string [N, 1]. */
  outputs: ValueInfoSpec[];
}

const elemType = (t: ValueType): typeof TensorDataType.FLOAT | typeof TensorDataType.STRING => (t === 'number' ? TensorDataType.FLOAT : TensorDataType.STRING);

function compileExpr(g: GraphBuilder, e: Expr, env: ReadonlyMap<string, string>): string {
  if (e.t === 'num') return g.double(e.v);
  if (e.t === 'str') return g.string(e.v);
  if (e.t === 'col') return env.get(e.name) as string;
  return REGISTRY[e.fn].onnx(g, e.args.map((a) => compileExpr(g, a, env)));
}

/** The nodes computing every derived column of `fitted` from its raw inputs. */
export function compileTransforms(fitted: FittedTransforms): CompiledTransforms {
  const g = new GraphBuilder();
  const env = new Map<string, string>();
  const inputs: ValueInfoSpec[] = fitted.inputs.map((i) => {
    env.set(i.name, i.type === 'number' ? g.toDouble(i.name) : i.type === 'string' ? rawString(g, i.name) : i.name);
    return { name: i.name, elemType: elemType(i.type), dims: ['N', 1] };
  });
  const outputs: ValueInfoSpec[] = [];
  for (const f of fitted.transforms) {
    const values = f.expr
      ? [compileExpr(g, f.expr, env)]
      : ANALYZERS[f.analyzer!.name].onnx(g, env.get(f.analyzer!.column) as string, f.stats as Stats, f.decl, f.input as ValueType);
    f.outputs.forEach((o, i) => {
      let value = values[i];
      if (f.computed === 'bool') value = g.toDouble(value);
      if (o.type === 'number') {
        g.ops('Cast', [value], { attributes: { to: attr.int(TensorDataType.FLOAT) }, outputs: [o.name] });
        // Later transforms read the float32 value, as arquero reads the rounded column.
        env.set(o.name, g.toDouble(o.name));
      } else {
        g.ops('Identity', [value], { outputs: [o.name] });
        env.set(o.name, o.name);
      }
      outputs.push({ name: o.name, elemType: elemType(o.type), dims: ['N', 1] });
    });
  }
  return { nodes: g.nodes, initializers: g.initializers, domains: [...g.domains], inputs, outputs };
}

/** A model of the transforms alone: raw inputs in, every derived column out (tests, and a look at what serving computes). */
export function transformsModel(compiled: CompiledTransforms): Uint8Array {
  const domains = ['', ML_DOMAIN, ...compiled.domains.filter((d) => d !== ML_DOMAIN)];
  return encodeModel({
    irVersion: 8,
    opsets: domains.map((domain) => ({ domain, version: TRANSFORM_OPSETS[domain] })),
    producerName: 'mlcycle',
    graph: { name: 'mlcycle_transforms', nodes: compiled.nodes, inputs: compiled.inputs, outputs: compiled.outputs, initializers: compiled.initializers },
  });
}
