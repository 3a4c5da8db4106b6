// The model card's view of a model's transforms: each declaration, what it learned, how it was computed and how it is served.
import { ANALYZERS, type Stats } from './analyzers.js';
import type { FittedTransforms } from './fit.js';
import { REGISTRY } from './registry.js';
import { entriesUsed } from './types.js';

export interface TransformCardEntry {
  name: string;
  /** The expression, or the analyzer and its column (`standardize(wind)`). */
  definition: string;
  /** Derived columns (a one-hot vocabulary has several). */
  outputs: string[];
  /** What the analyzer learned from the training rows. */
  statistics?: Stats;
  /** ONNX operators it compiles to. */
  onnx: string;
}

export interface TransformsCard {
  /** The library that computed them in training. */
  computedBy: string;
  /** Where they run when served. */
  servedBy: string;
  /** The raw columns they read (inputs of the served graph). */
  inputs: string[];
  transforms: TransformCardEntry[];
  /** The fitted state itself (plain JSON): what the monitor applies to logged answers to measure derived features' drift. */
  fitted?: FittedTransforms;
}

export function transformsCard(fitted: FittedTransforms): TransformsCard {
  return {
    computedBy: `${fitted.engine} (training)`,
    servedBy: 'nodes of the packaged ONNX graph, in front of the model',
    inputs: fitted.inputs.map((i) => i.name),
    fitted,
    transforms: fitted.transforms.map((f) => {
      const options = Object.entries(f.decl).filter(([k]) => k !== 'name' && k !== f.analyzer?.name);
      const definition = f.expr
        ? (f.decl.expr as string)
        : `${f.analyzer?.name}(${[f.analyzer?.column, ...options.map(([k, v]) => `${k}: ${JSON.stringify(v)}`)].join(', ')})`;
      const onnx = f.expr ? [...entriesUsed(f.expr)].map((e) => REGISTRY[e].onnxOps).join('; ') || 'Cast' : ANALYZERS[f.analyzer!.name].onnxOps;
      return { name: f.decl.name, definition, outputs: f.outputs.map((o) => o.name), ...(f.stats ? { statistics: f.stats } : {}), onnx };
    }),
  };
}
