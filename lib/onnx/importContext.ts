// What adapting an external ONNX model shares: its error type, tensor helpers, and the context an adaptation works in.
import type { PipelineDefinition } from '../config/pipeline.js';
import type { GraphEdit } from './graphEdit.js';
import { TensorDataType } from './model.js';
import type { OnnxGraph, OnnxType, OnnxValueInfo } from './onnxDecode.js';

/** The model cannot be imported as it is: the message names the file, the input or output, and the problem. */
export class ImportError extends Error {
  override name = 'ImportError';
}

export type ImportPipeline = Pick<PipelineDefinition, 'task' | 'transforms'> & { [K in 'target' | 'features']-?: NonNullable<PipelineDefinition[K]> };

export type TensorType = Extract<OnnxType, { kind: 'tensor' }>;
export type TensorValue = OnnxValueInfo & { type: TensorType };

export const { FLOAT, DOUBLE, STRING, INT64, INT32 } = TensorDataType;
export const ELEM_NAMES: Record<number, string> = {
  1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

/** "float [?, 1]", "string [N]", "sequence", … */
export function describeType(t: OnnxType): string {
  if (t.kind !== 'tensor') return t.kind;
  const elem = ELEM_NAMES[t.elemType] ?? `type ${t.elemType}`;
  return t.dims === null ? `${elem} (no shape)` : `${elem} [${t.dims.map((d) => d ?? '?').join(', ')}]`;
}

export const isTensor = (v: OnnxValueInfo): v is TensorValue => v.type.kind === 'tensor';
/** [N], [N, 1] or no shape: one feature column (a symbolic or unknown second dimension is taken as 1). */
export const isColumn = (dims: TensorType['dims']): boolean => dims === null || dims.length === 1 || (dims.length === 2 && (dims[1] === 1 || typeof dims[1] !== 'number'));
export const isFloating = (t: TensorType): boolean => t.elemType === FLOAT || t.elemType === DOUBLE;

export interface Context {
  file: string;
  graph: OnnxGraph;
  edit: GraphEdit;
  notes: string[];
}

export function fail(ctx: Context, message: string): never {
  throw new ImportError(`${ctx.file}: ${message}`);
}
