// JSON lines (one object per line, streamed) and JSON arrays of objects → typed Table; flat values only.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Table } from '../table.js';
import { DataError, describeValue } from '../errors.js';
import { tableFromColumns, type TypingOptions } from '../typing.js';
import { assertTextStart, Utf8Checker } from './text.js';
import type { ReadProgress } from './checkpoint.js';

export interface JsonReadOptions extends Omit<TypingOptions, 'rowLabel'> {
  onProgress?: (p: ReadProgress) => void;
}

/** Gathers objects into columns (key union, first-seen order, absent keys missing), remembering each row's line (0: none). */
class ObjectColumns {
  private readonly columns = new Map<string, unknown[]>();
  private lines: number[] = [];
  rows = 0;

  constructor(private readonly sourceName: string) {}

  add(value: unknown, where: string, line: number): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(`${this.sourceName}: ${where}: expected a JSON object, found ${describeValue(value)}`, {
        source: this.sourceName,
        line: line || undefined,
        row: this.rows + 1,
      });
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (v !== null && typeof v === 'object') {
        throw new DataError(
          `${this.sourceName}: ${where}: column "${key}" holds ${describeValue(v)}; only flat values ` +
            `(strings, numbers, booleans, null) can be columns`,
          { source: this.sourceName, line: line || undefined, row: this.rows + 1, column: key, problem: 'nested value' },
        );
      }
      let values = this.columns.get(key);
      if (!values) this.columns.set(key, (values = []));
      while (values.length < this.rows) values.push(null);
      values.push(v);
    }
    this.lines.push(line);
    this.rows++;
  }

  table(options: JsonReadOptions, emptyWhat: string): Table {
    if (this.rows === 0) {
      throw new DataError(`${this.sourceName}: ${emptyWhat}`, { source: this.sourceName, problem: 'no rows' });
    }
    for (const values of this.columns.values()) while (values.length < this.rows) values.push(null);
    const lines = this.lines;
    return tableFromColumns(
      [...this.columns].map(([name, values]) => ({ name, values })),
      this.sourceName,
      { ...options, rowLabel: (i) => (lines[i] > 0 ? `row ${i + 1} (line ${lines[i]})` : `row ${i + 1}`) },
    );
  }
}

/** Streams a JSON-lines file: one object per non-blank line. */
export async function readJsonLines(path: string, sourceName: string, options: JsonReadOptions = {}): Promise<Table> {
  const collected = new ObjectColumns(sourceName);
  const checker = new Utf8Checker(sourceName);
  const decoder = new TextDecoder();
  let carry = '';
  let line = 0;
  let bytes = 0;
  const take = (text: string) => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new DataError(`${sourceName}: line ${line}: not valid JSON (${(err as Error).message})`, {
        source: sourceName,
        line,
        problem: 'malformed JSON line',
      });
    }
    collected.add(value, `line ${line}`, line);
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (bytes === 0) assertTextStart(chunk, sourceName);
      checker.check(chunk);
      bytes += chunk.length;
      const parts = (carry + decoder.decode(chunk, { stream: true })).split('\n');
      carry = parts.pop() ?? '';
      for (const part of parts) take(part);
      options.onProgress?.({ rows: collected.rows, bytes, detail: `read ${bytes} bytes, ${collected.rows} rows` });
    }
  } finally {
    stream.destroy();
  }
  checker.finish();
  carry += decoder.decode();
  if (carry !== '') take(carry);
  if (bytes === 0) throw new DataError(`${sourceName}: empty file`, { source: sourceName, problem: 'empty file' });
  return collected.table(options, 'no JSON objects in the file (empty file)');
}

/** Parses a JSON array of objects (the whole text at once). */
export function parseJsonArray(text: string, sourceName: string, options: JsonReadOptions = {}): Table {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new DataError(`${sourceName}: empty file`, { source: sourceName, problem: 'empty file' });
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = at ? body.slice(0, Number(at[1])).split('\n').length : undefined;
    const hint = body.trimStart().startsWith('{') ? '; one object per line is JSON lines: use a .jsonl name or format "jsonl"' : '';
    throw new DataError(`${sourceName}: not valid JSON${line ? ` at line ${line}` : ''} (${message})${hint}`, {
      source: sourceName,
      line,
      problem: 'malformed JSON',
    });
  }
  if (!Array.isArray(value)) {
    throw new DataError(`${sourceName}: expected a JSON array of objects, found ${describeValue(value)}`, { source: sourceName });
  }
  const collected = new ObjectColumns(sourceName);
  value.forEach((v, i) => collected.add(v, `element ${i + 1}`, 0));
  return collected.table(options, 'the JSON array is empty');
}

export async function readJsonArray(path: string, sourceName: string, options: JsonReadOptions = {}): Promise<Table> {
  const bytes = await readFile(path);
  if (bytes.length > 0) assertTextStart(bytes, sourceName);
  const checker = new Utf8Checker(sourceName);
  checker.check(bytes);
  checker.finish();
  const table = parseJsonArray(bytes.toString('utf8'), sourceName, options);
  options.onProgress?.({ rows: table.rows, bytes: bytes.length, totalBytes: bytes.length, detail: `read ${table.rows} rows` });
  return table;
}
