// One categorical input as a one-hot block in an ONNX graph, with the optional unknown column (1 − sum of the block).
import { attr, TensorDataType, type NodeSpec, type TensorSpec } from './model.js';

const ML = 'ai.onnx.ml';

/** Never a real category: lets a column with no training categories still yield its all-zero block (unknown = 1). */
const NO_CATEGORY = '\u0000mlcycle:no-category';

export interface OneHotPieces {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  /** The block's tensor, [N, categories (+1 with the unknown column)]; null when the block has no columns. */
  output: string | null;
}

/**
 * OneHotEncoder (zeros=1: unseen and "" give all zeros) → Reshape [N, k] → Cast to `elemType`; with
 * `unknown`, a last column 1 − ReduceSum(block) that is 1 exactly when the value matched no category,
 * as lib/train/preprocess.ts's transform sets it.
 */
export function oneHotBlock(
  input: string,
  categories: readonly string[],
  options: { prefix: string; unknown: boolean; elemType: typeof TensorDataType.FLOAT | typeof TensorDataType.DOUBLE },
): OneHotPieces {
  const { prefix, unknown, elemType } = options;
  if (categories.length === 0 && !unknown) return { nodes: [], initializers: [], output: null };
  const cats = categories.length ? [...categories] : [NO_CATEGORY];
  const encoded = `${prefix}onehot`;
  const reshaped = `${prefix}onehot_2d`;
  const block = `${prefix}onehot_typed`;
  const initializers: TensorSpec[] = [{ name: `${prefix}shape`, dataType: TensorDataType.INT64, dims: [2], ints: [-1, cats.length] }];
  const nodes: NodeSpec[] = [
    { opType: 'OneHotEncoder', domain: ML, name: `${prefix}encode`, inputs: [input], outputs: [encoded], attributes: { cats_strings: attr.strings(cats), zeros: attr.int(1) } },
    { opType: 'Reshape', name: `${prefix}reshape`, inputs: [encoded, `${prefix}shape`], outputs: [reshaped] },
    { opType: 'Cast', name: `${prefix}cast`, inputs: [reshaped], outputs: [block], attributes: { to: attr.int(elemType) } },
  ];
  if (!unknown) return { nodes, initializers, output: block };
  const output = `${prefix}with_unknown`;
  initializers.push(
    { name: `${prefix}axes`, dataType: TensorDataType.INT64, dims: [1], ints: [1] },
    { name: `${prefix}one`, dataType: elemType, dims: [1], floats: [1] },
  );
  nodes.push(
    { opType: 'ReduceSum', name: `${prefix}matched`, inputs: [block, `${prefix}axes`], outputs: [`${prefix}matched`], attributes: { keepdims: attr.int(1) } },
    { opType: 'Sub', name: `${prefix}unknown`, inputs: [`${prefix}one`, `${prefix}matched`], outputs: [`${prefix}unknown`] },
  );
  // A column with no training categories is only its unknown column (always 1).
  if (categories.length === 0) return { nodes, initializers, output: `${prefix}unknown` };
  nodes.push({ opType: 'Concat', name: `${prefix}append_unknown`, inputs: [block, `${prefix}unknown`], outputs: [output], attributes: { axis: attr.int(1) } });
  return { nodes, initializers, output };
}
