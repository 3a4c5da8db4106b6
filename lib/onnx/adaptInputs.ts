// An external model's inputs against a pipeline's features: one [N, 1] input per feature (cast and reshaped to the contract), or one packed matrix.
import type { InputField } from '../report/modelCard.js';
import { attr } from './model.js';
import { isOnehotColumn } from '../transforms/types.js';
import { DOUBLE, ELEM_NAMES, FLOAT, STRING, describeType, fail, isColumn, isFloating, isTensor, type Context, type ImportPipeline, type TensorValue } from './importContext.js';

/** Replaces an input by a contract-typed [N, 1] input of the same name, then a Reshape to [N] and/or a Cast to double in front of its consumers. */
function convertColumnInput(ctx: Context, input: TensorValue, elemType: typeof FLOAT | typeof STRING): void {
  const cast = input.type.elemType === DOUBLE;
  const flatten = input.type.dims?.length === 1;
  if (!cast && !flatten) return;
  const { edit } = ctx;
  const target = edit.claim(input.name, `${input.name}_${cast ? 'double' : 'flat'}`) as string;
  edit.replaceInputs.set(input.name, [{ name: input.name, elemType, dims: ['N', 1] }]);
  let source = input.name;
  if (flatten) {
    const out = cast ? edit.fresh(`${input.name}_flat`) : target;
    edit.node('before', 'Reshape', [source, edit.shape([-1])], [out]);
    source = out;
  }
  if (cast) edit.node('before', 'Cast', [source], [target], { to: attr.int(DOUBLE) });
  const steps = [flatten ? 'reshaped to [N]' : '', cast ? 'cast to double' : ''].filter(Boolean).join(' and ');
  ctx.notes.push(`input "${input.name}" ${describeType(input.type)} → ${ELEM_NAMES[elemType]} [N, 1], ${steps} for the model`);
}

/** One float/double [N, F] input in place of per-column inputs → one float [N, 1] input per numeric feature + Concat. */
function packMatrix(ctx: Context, input: TensorValue, pipeline: ImportPipeline): InputField[] {
  const { numeric, categorical } = pipeline.features;
  const width = input.type.dims?.[1];
  const perColumn = 'export it with one [N, 1] input per feature column named as the column (skl2onnx: initial_types=[(column, FloatTensorType([None, 1])) or StringTensorType([None, 1]) per column])';
  if (categorical.length > 0) {
    fail(ctx, `input "${input.name}" is one ${describeType(input.type)} matrix, but the pipeline has categorical features (${categorical.join(', ')}) that cannot be packed into it: ${perColumn}`);
  }
  if (width !== numeric.length) {
    fail(ctx, `input "${input.name}" is ${describeType(input.type)}: its width ${width ?? 'is unknown and'} does not match the pipeline's ${numeric.length} numeric features (${numeric.join(', ')}); ${perColumn}`);
  }
  const { edit } = ctx;
  for (const name of numeric) edit.claim(name, `${name}_value`);
  edit.replaceInputs.set(input.name, numeric.map((name) => ({ name, elemType: FLOAT, dims: ['N', 1] })));
  const concatenated = input.type.elemType === DOUBLE ? edit.fresh(`${input.name}_float`) : input.name;
  edit.node('before', 'Concat', [...numeric], [concatenated], { axis: attr.int(1) });
  if (concatenated !== input.name) edit.node('before', 'Cast', [concatenated], [input.name], { to: attr.int(DOUBLE) });
  ctx.notes.push(`input "${input.name}" ${describeType(input.type)} → one float [N, 1] input per numeric feature (${numeric.join(', ')}), concatenated in the pipeline's order${concatenated !== input.name ? ', then Cast to double' : ''}`);
  return numeric.map((name) => ({ name, kind: 'numeric' }));
}

export function adaptInputs(ctx: Context, pipeline: ImportPipeline): InputField[] {
  const constants = new Set(ctx.graph.initializers.map((i) => i.name));
  const feeds = ctx.graph.inputs.filter((i) => !constants.has(i.name));
  if (feeds.length === 0) fail(ctx, 'the model takes no inputs');
  const kinds = new Map<string, InputField['kind']>([
    ...pipeline.features.numeric.map((n): [string, InputField['kind']] => [n, 'numeric']),
    ...pipeline.features.categorical.map((n): [string, InputField['kind']] => [n, 'categorical']),
  ]);
  // A one-hot vocabulary listed as a feature stands for its columns, name_0 … name_oov (lib/transforms).
  const onehot = (pipeline.transforms ?? []).filter((t) => 'vocabulary' in t && t.encode === 'onehot' && pipeline.features.numeric.includes(t.name));
  for (const input of feeds) if (onehot.some((t) => isOnehotColumn(input.name, t.name))) kinds.set(input.name, 'numeric');
  const only = feeds[0];
  if (feeds.length === 1 && !kinds.has(only.name) && isTensor(only) && isFloating(only.type) && only.type.dims?.length === 2) {
    return packMatrix(ctx, only, pipeline);
  }
  const offenders: string[] = [];
  const inputs: InputField[] = [];
  for (const input of feeds) {
    const kind = kinds.get(input.name);
    const what = `input "${input.name}" (${describeType(input.type)})`;
    if (!kind) offenders.push(`${what} is not one of the pipeline's features`);
    else if (!isTensor(input)) offenders.push(`${what} is not a tensor`);
    else if (!isColumn(input.type.dims)) {
      offenders.push(`${what} is not one column: a feature input must be [N, 1]`);
    } else if (kind === 'categorical' && input.type.elemType !== STRING) {
      offenders.push(`${what}: the pipeline's feature "${input.name}" is categorical, so the input must be string [N, 1]`);
    } else if (kind === 'numeric' && !isFloating(input.type)) {
      offenders.push(`${what}: the pipeline's feature "${input.name}" is numeric, so the input must be float [N, 1] (or double)`);
    } else {
      convertColumnInput(ctx, input, kind === 'numeric' ? FLOAT : STRING);
      inputs.push({ name: input.name, kind });
    }
  }
  if (offenders.length > 0) {
    const f = pipeline.features;
    fail(ctx, `the model's inputs do not fit the pipeline's features (numeric: ${f.numeric.join(', ') || 'none'}; categorical: ${f.categorical.join(', ') || 'none'}):\n  - ${offenders.join('\n  - ')}`);
  }
  return inputs;
}
