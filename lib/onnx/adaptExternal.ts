// Checks an externally trained ONNX model against a pipeline's features and rewrites it to the serving contract (lib/onnx/contract.ts).
import type { ModelSignature } from '../report/modelCard.js';
import { CLASSIFIER_OUTPUTS, REGRESSOR_OUTPUT } from './contract.js';
import { ADDED_DEFAULT_OPSET, GraphEdit } from './graphEdit.js';
import { attr } from './model.js';
import { isOnehotColumn } from '../transforms/types.js';
import { attributeInts, attributeStrings, decodeModel, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './onnxDecode.js';
import { ProtoError } from './protoReader.js';
import { adaptInputs } from './adaptInputs.js';
import { ELEM_NAMES, FLOAT, INT32, INT64, STRING, describeType, fail, ImportError, isColumn, isFloating, isTensor, type Context, type ImportPipeline, type TensorValue } from './importContext.js';

export { describeType, ImportError, type ImportPipeline } from './importContext.js';

export interface AdaptedModel {
  /** The model under the serving contract. */
  bytes: Uint8Array;
  signature: ModelSignature;
  /** What was rewritten, one line each. */
  notes: string[];
  producer: { name: string; version: string };
}

/** The one candidate; among several, the one whose name matches `prefer`; none → undefined; still several → an error. */
function pick<T extends OnnxValueInfo>(ctx: Context, candidates: T[], prefer: RegExp, what: string): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  const preferred = candidates.filter((c) => prefer.test(c.name));
  if (preferred.length === 1) return preferred[0];
  return fail(ctx, `several outputs could be the ${what} (${candidates.map((c) => `"${c.name}"`).join(', ')}): keep only one`);
}

function classLabelsOf(node: OnnxNode | undefined): string[] | undefined {
  for (const a of node?.attributes ?? []) {
    const labels = a.name === 'classlabels_strings' ? attributeStrings(a)
      : a.name === 'classlabels_int64s' || a.name === 'classlabels_ints' ? attributeInts(a).map((v) => String(BigInt.asIntN(64, v)))
      : [];
    if (labels.length > 0) return labels;
  }
  return undefined;
}

function listOutputs(graph: OnnxGraph): string {
  return graph.outputs.map((o) => `"${o.name}" (${describeType(o.type)})`).join(', ') || 'none';
}

/** Exposes `source` (an original value) as the contract output `name`: Reshape when the rank differs, Cast when the type does, else Identity. */
function expose(ctx: Context, source: TensorValue, name: string, elemType: typeof FLOAT | typeof STRING, dims: (number | string)[], reshape: number[] | null): void {
  const { edit } = ctx;
  const convert = source.type.elemType !== elemType;
  if (!convert && !reshape && source.name === name) {
    if (ctx.graph.outputs.some((o) => o.name === name)) edit.keepOutputs.add(name);
    else edit.newOutputs.push({ name, elemType, dims });
    return;
  }
  edit.claim(name, `${name}_original`);
  let from = edit.current(source.name);
  const steps: string[] = [];
  if (reshape) {
    const out = convert ? edit.fresh(`${source.name}_reshaped`) : name;
    edit.node('after', 'Reshape', [from, edit.shape(reshape)], [out]);
    from = out;
    steps.push('Reshape');
  }
  if (convert) {
    edit.node('after', 'Cast', [from], [name], { to: attr.int(elemType) });
    steps.push(`Cast to ${ELEM_NAMES[elemType]}`);
  } else if (from !== name) {
    edit.node('after', 'Identity', [from], [name]);
    steps.push('Identity');
  }
  edit.newOutputs.push({ name, elemType, dims });
  ctx.notes.push(`output "${name}" ${ELEM_NAMES[elemType]} [${dims.join(', ')}] ← "${source.name}" ${describeType(source.type)} (${steps.join(' + ')})`);
}

function adaptClassifier(ctx: Context): string[] {
  const { graph, edit } = ctx;
  const producers = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producers.set(o, n);
  const consumed = new Set(graph.nodes.flatMap((n) => n.inputs));
  const zipMaps = graph.outputs.filter((o) => producers.get(o.name)?.opType === 'ZipMap');
  if (zipMaps.length > 1) fail(ctx, `${zipMaps.length} outputs come from ZipMap nodes (${zipMaps.map((z) => `"${z.name}"`).join(', ')}): cannot tell which holds the class probabilities`);
  let probabilities: TensorValue | undefined;
  let classes: string[] | undefined;
  if (zipMaps.length === 1) {
    const zipMap = producers.get(zipMaps[0].name) as OnnxNode;
    const known = [...graph.valueInfo, ...graph.outputs].find((v) => v.name === zipMap.inputs[0]);
    probabilities = known && isTensor(known) ? known : { ...zipMaps[0], name: zipMap.inputs[0], type: { kind: 'tensor', elemType: FLOAT, dims: null } };
    classes = classLabelsOf(zipMap);
    if (!consumed.has(zipMaps[0].name)) edit.removeNodes.add(zipMap);
    edit.dropValueInfo.add(zipMaps[0].name);
    ctx.notes.push(`removed ZipMap${zipMap.name ? ` "${zipMap.name}"` : ''} and its output "${zipMaps[0].name}" (a sequence of maps, which onnxruntime-node cannot return); its input "${zipMap.inputs[0]}" holds the probabilities`);
  }
  const tensors = graph.outputs.filter(isTensor);
  probabilities ??= pick(ctx, tensors.filter((o) => isFloating(o.type) && (o.type.dims === null || o.type.dims.length === 2)), /prob/i, 'class probabilities');
  const labelTypes: number[] = [STRING, INT64, INT32];
  const label = pick(ctx, tensors.filter((o) => labelTypes.includes(o.type.elemType) && isColumn(o.type.dims)), /label/i, 'label');
  if (!label || !probabilities) {
    fail(ctx, `no usable classifier outputs: need a label (an int64 or string tensor [N]) and class probabilities (a ZipMap, or a float tensor [N, classes]); the model's outputs are ${listOutputs(graph)}`);
  }
  if (!classes) {
    let node = producers.get(label.name);
    while (node && ['Identity', 'Cast', 'Reshape'].includes(node.opType) && !classLabelsOf(node)) node = producers.get(node.inputs[0]);
    const labelled = graph.nodes.filter((n) => classLabelsOf(n));
    classes = classLabelsOf(node) ?? (labelled.length === 1 ? classLabelsOf(labelled[0]) : undefined);
  }
  if (!classes) fail(ctx, `cannot find the class labels of output "${label.name}": no ZipMap, and no classifier node with classlabels_strings or classlabels_int64s`);
  if (new Set(classes).size !== classes.length) fail(ctx, `the class labels repeat: ${classes.join(', ')}`);
  const width = probabilities.type.dims?.[1];
  if (typeof width === 'number' && width !== classes.length) {
    fail(ctx, `output "${probabilities.name}" has ${width} probability columns but the model names ${classes.length} classes (${classes.join(', ')})`);
  }
  if (label.name === CLASSIFIER_OUTPUTS.probabilities || probabilities.name === CLASSIFIER_OUTPUTS.label) {
    fail(ctx, `the label is "${label.name}" and the probabilities "${probabilities.name}": the contract's names swapped; rename them in the model`);
  }
  expose(ctx, label, CLASSIFIER_OUTPUTS.label, STRING, ['N'], label.type.dims?.length === 2 ? [-1] : null);
  expose(ctx, probabilities, CLASSIFIER_OUTPUTS.probabilities, FLOAT, ['N', classes.length], null);
  return classes;
}

function adaptRegressor(ctx: Context): void {
  const { graph } = ctx;
  const candidates = graph.outputs.filter(isTensor).filter((o) => isFloating(o.type) && isColumn(o.type.dims));
  const value = pick(ctx, candidates, /predict|variable/i, 'prediction');
  if (!value) fail(ctx, `no usable regressor output: need one float tensor [N] or [N, 1]; the model's outputs are ${listOutputs(graph)}`);
  const dims = value.type.dims;
  expose(ctx, value, REGRESSOR_OUTPUT, FLOAT, ['N', 1], dims?.length === 2 && dims[1] === 1 ? null : [-1, 1]);
}

/** Reads an ONNX model, checks it against the pipeline, and rewrites it to the serving contract (ImportError when it cannot be). */
export function adaptExternalModel(bytes: Uint8Array, pipeline: ImportPipeline, file: string): AdaptedModel {
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    if (err instanceof ProtoError) throw new ImportError(`${file}: not an ONNX model (${err.message})`);
    throw err;
  }
  const ctx: Context = { file, graph: model.graph, edit: new GraphEdit(model.graph), notes: [] };
  if (model.graph.outputs.length === 0) fail(ctx, 'the model has no outputs');
  const external = model.graph.initializers.filter((i) => i.external).map((i) => `"${i.name}"`);
  if (external.length > 0) fail(ctx, `initializers ${external.join(', ')} keep their data in external files: save the model as one file (onnx.save(model, path, save_as_external_data=False))`);
  const inputs = adaptInputs(ctx, pipeline);
  let classes: string[] = [];
  if (pipeline.task === 'classification') classes = adaptClassifier(ctx);
  else adaptRegressor(ctx);
  const { edit, notes } = ctx;
  const kept = new Set([...edit.keepOutputs, ...edit.newOutputs.map((o) => o.name)]);
  const dropped = model.graph.outputs.filter((o) => !kept.has(o.name)).map((o) => `"${o.name}"`);
  if (dropped.length > 0) notes.push(`outputs no longer exposed: ${dropped.join(', ')}`);
  for (const [from, to] of edit.renames) notes.push(`renamed the model's value "${from}" to "${to}" (the contract's input or output of that name replaces it)`);
  if (edit.renames.size > 0 && model.graph.nodes.some((n) => n.attributes.some((a) => a.hasGraph))) {
    fail(ctx, `values must be renamed (${[...edit.renames.keys()].join(', ')}) but the model has subgraphs (If/Loop/Scan) that may refer to them`);
  }
  if (edit.addsDefaultOpset(model)) notes.push(`declared the standard opset (version ${ADDED_DEFAULT_OPSET}) for the added nodes`);
  // A one-hot vocabulary is used through its columns (name_0 … name_oov).
  const unused = [...pipeline.features.numeric, ...pipeline.features.categorical].filter((f) => !inputs.some((i) => i.name === f || isOnehotColumn(i.name, f)));
  if (unused.length > 0) notes.push(`pipeline features the model does not use: ${unused.join(', ')}`);
  return {
    bytes: edit.apply(model),
    signature: { inputs, target: pipeline.target, task: pipeline.task, classes },
    notes,
    producer: { name: model.producerName || 'unknown producer', version: model.producerVersion },
  };
}
