// Puts compiled transforms in front of an exported model: its derived inputs become nodes fed by the raw columns.
import { GraphEdit } from '../onnx/graphEdit.js';
import { decodeModel } from '../onnx/onnxDecode.js';
import { ProtoWriter } from '../onnx/protobuf.js';
import { compileTransforms, TRANSFORM_OPSETS } from './compile.js';
import { pruneTransforms, type FittedTransforms } from './fit.js';
import { TransformError } from './types.js';

/**
 * The model with the transforms its inputs need prepended: each graph input that is a derived column is dropped and
 * computed instead; the raw columns those transforms read take the first dropped input's place (a raw column the model
 * also reads directly stays one input). Opsets the nodes need and the model lacks (ai.onnx.ml, com.microsoft) are added.
 */
export function prependTransforms(model: Uint8Array, fitted: FittedTransforms): Uint8Array {
  const decoded = decodeModel(model);
  const graphInputs = decoded.graph.inputs.map((i) => i.name);
  const needed = pruneTransforms(fitted, graphInputs);
  if (needed.transforms.length === 0) return model;
  const compiled = compileTransforms(needed);
  const derived = new Set(compiled.outputs.map((o) => o.name));
  const edit = new GraphEdit(decoded.graph);
  for (const o of decoded.graph.outputs) edit.keepOutputs.add(o.name);
  const raw = compiled.inputs.filter((i) => !graphInputs.includes(i.name));
  let placed = false;
  for (const name of graphInputs.filter((n) => derived.has(n))) {
    edit.replaceInputs.set(name, placed ? [] : raw);
    placed = true;
  }
  const ours = [...compiled.nodes.flatMap((n) => n.outputs), ...compiled.initializers.map((t) => t.name)].filter((n) => !derived.has(n));
  for (const name of ours) if (edit.claim(name) !== undefined) throw new TransformError(`value "${name}" of the transforms clashes with the model graph`);
  edit.prepend.push(...compiled.nodes);
  edit.initializers.push(...compiled.initializers);
  const edited = edit.apply(decoded);
  const imported = new Set(decoded.opsets.map((o) => o.domain));
  const extra = new ProtoWriter();
  for (const domain of compiled.domains.filter((d) => !imported.has(d))) {
    extra.message(8, new ProtoWriter().string(1, domain).varint(2, TRANSFORM_OPSETS[domain]).finish()); // opset_import
  }
  const tail = extra.finish();
  const out = new Uint8Array(edited.length + tail.length);
  out.set(edited);
  out.set(tail, edited.length);
  return out;
}
