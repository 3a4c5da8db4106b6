// A flat Parquet column chunk decoded page by page (hyparquet's page decoders) straight into a typed column: no row objects, no nested-list assembly.
import type { AsyncBuffer, ColumnChunk, ParquetParsers, SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS, convert } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import type { Compressors, DataPage, DecodedArray, PageHeader } from 'hyparquet/src/types.js';
import type { ColumnKind } from '../table.js';
import { DataError, describeValue } from '../errors.js';

export interface Plan {
  name: string;
  kind: ColumnKind;
  /** Multiplies raw numbers: DAY_MS for a logical DATE hyparquet leaves as days, 10^-scale for a raw DECIMAL. */
  factor: number;
}

const utf8 = new TextDecoder();

/** Writes one decoded run into the part's column at `at`; `row0` is the run's first row number in the file. */
export function fill(plan: Plan, out: Float64Array | (string | null)[], data: ArrayLike<unknown>, at: number, row0: number, sourceName: string): void {
  const n = data.length;
  const bad = (i: number, why: string): never => {
    throw new DataError(`${sourceName}: column "${plan.name}" row ${row0 + i + 1}: ${describeValue(data[i])} ${why}`, {
      source: sourceName,
      column: plan.name,
      row: row0 + i + 1,
    });
  };
  if (out instanceof Float64Array) {
    if (plan.factor === 1 && (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array)) {
      out.set(data, at);
      return;
    }
    for (let i = 0; i < n; i++) {
      const v = data[i];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (v === null || v === undefined) x = NaN;
      else if (typeof v === 'bigint') {
        x = Number(v);
        if (!Number.isSafeInteger(x)) bad(i, `is beyond 2^53 and cannot be held exactly as a number`);
      } else x = bad(i, 'is not a number');
      out[at + i] = x * plan.factor;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v === 'string') out[at + i] = v;
    else if (v === null || v === undefined) out[at + i] = null;
    else if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') out[at + i] = String(v);
    else if (v instanceof Uint8Array) out[at + i] = utf8.decode(v);
    else bad(i, 'is not a scalar value');
  }
}

export interface ChunkTarget {
  plan: Plan;
  /** The part's column; rows of this chunk go to out[at …]. */
  out: Float64Array | (string | null)[];
  at: number;
  /** The chunk's first row number in the file (for messages). */
  row0: number;
  rows: number;
}

/**
 * Decodes a whole column chunk of a flat column into `target.out`. Dictionary pages are converted once (to
 * numbers or strings); data pages map their indices through it; definition levels place the missing values.
 */
export async function readColumnChunk(file: AsyncBuffer, chunk: ColumnChunk, schemaPath: SchemaTree[], parsers: Partial<ParquetParsers>,
  compressors: Compressors, target: ChunkTarget, sourceName: string): Promise<void> {
  const meta = chunk.meta_data;
  if (!meta) throw new Error(`column "${target.plan.name}" has no column metadata`);
  const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
  const dataStart = Number(meta.data_page_offset);
  const from = meta.dictionary_page_offset !== undefined && start < dataStart ? start : dataStart;
  const buffer = await file.slice(from, from + Number(meta.total_compressed_size));
  const reader = { view: new DataView(buffer), offset: 0 };
  const element = schemaPath[schemaPath.length - 1].element;
  const decoder = { pathInSchema: meta.path_in_schema, type: meta.type, element, schemaPath, codec: meta.codec, compressors, parsers: { ...DEFAULT_PARSERS, ...parsers } };
  const maxDefinition = schemaPath.slice(1).filter((s) => s.element.repetition_type !== 'REQUIRED').length;
  const { plan, out, rows } = target;
  const numeric = out instanceof Float64Array;
  let dictionary: Float64Array | (string | null)[] | null = null;
  let done = 0;
  while (done < rows) {
    if (reader.offset >= buffer.byteLength) throw new Error(`column "${plan.name}" ends after ${done} of ${rows} values`);
    const header: PageHeader = parquetHeader(reader);
    const bytes = new Uint8Array(buffer, reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const page = decompressPage(bytes, Number(header.uncompressed_page_size), meta.codec, compressors);
      const count = header.dictionary_page_header?.num_values ?? 0;
      const raw = convert(readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, meta.type, count, element.type_length), decoder);
      dictionary = numeric ? new Float64Array(count) : new Array<string | null>(count);
      fill(plan, dictionary, raw, 0, target.row0 + done, sourceName);
      continue;
    }
    let page: DataPage;
    let encoding: string;
    let count: number;
    if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const daph = header.data_page_header;
      page = readDataPage(decompressPage(bytes, Number(header.uncompressed_page_size), meta.codec, compressors), daph, decoder);
      [encoding, count] = [daph.encoding, daph.num_values];
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      page = readDataPageV2(bytes, header, decoder);
      [encoding, count] = [header.data_page_header_v2.encoding, header.data_page_header_v2.num_values];
    } else continue; // index pages
    if (done + count > rows) throw new Error(`column "${plan.name}" holds more values than the row group's ${rows} rows`);
    let values: Float64Array | (string | null)[];
    if (encoding.endsWith('_DICTIONARY') && dictionary) {
      values = lookUp(dictionary, page.dataPage, plan.name);
    } else {
      const data = convert(page.dataPage, decoder);
      values = numeric ? new Float64Array(data.length) : new Array<string | null>(data.length);
      fill(plan, values, data, 0, target.row0 + done, sourceName);
    }
    place(values, page.definitionLevels ?? [], maxDefinition, out, target.at + done, count);
    done += count;
  }
}

/** Dictionary values of a page's indices. */
function lookUp(dictionary: Float64Array | (string | null)[], indices: DecodedArray, name: string): Float64Array | (string | null)[] {
  const values = dictionary instanceof Float64Array ? new Float64Array(indices.length) : new Array<string | null>(indices.length);
  const k = dictionary instanceof Float64Array ? lookUpNumbers(dictionary, indices as ArrayLike<number>, values as Float64Array) : lookUpStrings(dictionary, indices as ArrayLike<number>, values as (string | null)[]);
  if (k >= 0) throw new Error(`column "${name}": dictionary index ${indices[k]} outside its ${dictionary.length} entries`);
  return values;
}

/** Returns the position of the first index outside the dictionary, or -1. */
function lookUpNumbers(dictionary: Float64Array, indices: ArrayLike<number>, values: Float64Array): number {
  const size = dictionary.length;
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(k >= 0 && k < size)) return i;
    values[i] = dictionary[k];
  }
  return -1;
}

function lookUpStrings(dictionary: (string | null)[], indices: ArrayLike<number>, values: (string | null)[]): number {
  const size = dictionary.length;
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(k >= 0 && k < size)) return i;
    values[i] = dictionary[k];
  }
  return -1;
}

/** The page's values at out[at …], missing values (definition level below the maximum) as NaN or null. */
function place(values: Float64Array | (string | null)[], levels: number[], maxDefinition: number, out: Float64Array | (string | null)[], at: number, count: number): void {
  if (levels.length === 0) {
    if (values.length !== count) throw new Error(`a page gave ${values.length} values for ${count} rows`);
    if (out instanceof Float64Array) out.set(values as Float64Array, at);
    else for (let i = 0; i < count; i++) out[at + i] = values[i] as string | null;
    return;
  }
  const j = out instanceof Float64Array ? placeNumbers(values as Float64Array, levels, maxDefinition, out, at, count) : placeStrings(values as (string | null)[], levels, maxDefinition, out, at, count);
  if (j !== values.length) throw new Error(`a page gave ${values.length} values for ${j} present rows`);
}

function placeNumbers(values: Float64Array, levels: number[], max: number, out: Float64Array, at: number, count: number): number {
  let j = 0;
  for (let i = 0; i < count; i++) out[at + i] = levels[i] === max ? values[j++] : NaN;
  return j;
}

function placeStrings(values: (string | null)[], levels: number[], max: number, out: (string | null)[], at: number, count: number): number {
  let j = 0;
  for (let i = 0; i < count; i++) out[at + i] = levels[i] === max ? values[j++] : null;
  return j;
}
