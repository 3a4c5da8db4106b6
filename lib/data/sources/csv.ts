// CSV/TSV → typed Table with csv-parse: header row, quoted fields, line-accurate errors; files are streamed.
import { createReadStream } from 'node:fs';
import { CsvError, Parser, type Info, type InfoRecord, type Options as CsvParseOptions } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { Table } from '../table.js';
import { DataError } from '../errors.js';
import { tableFromColumns, type TypingOptions } from '../typing.js';
import { assertTextStart, Utf8Checker } from './text.js';
import type { ReadProgress } from './checkpoint.js';

export interface CsvOptions extends TypingOptions {
  /** Single-character field delimiter (default ','). */
  delimiter?: string;
  /** A row with fewer fields than the header: 'pad' it with missing values (parseCsv's default) or 'error'. */
  shortRows?: 'pad' | 'error';
}

export interface CsvFileOptions extends CsvOptions {
  onProgress?: (p: ReadProgress) => void;
}

const CANDIDATES: [string, string][] = [[',', 'comma'], [';', 'semicolon'], ['\t', 'tab'], ['|', 'pipe']];
const delimiterName = (d: string) => CANDIDATES.find(([c]) => c === d)?.[1] ?? JSON.stringify(d);

/** Collects records column by column (as text) with the line each row starts on; types them at the end. */
class CsvCollector {
  header: string[] | null = null;
  private columns: string[][] = [];
  rows = 0;
  private lines = new Int32Array(1024);
  private prevEnd = 0;
  private prevEmpty = 0;

  constructor(
    private readonly sourceName: string,
    private readonly options: CsvOptions,
  ) {}

  /** csv-parse options; with `sink`, records go to onRecord from csv-parse's on_record (the synchronous parse). */
  parserOptions(sink: boolean): CsvParseOptions {
    return {
      delimiter: this.options.delimiter ?? ',',
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      ...(sink ? { on_record: (record: string[], info: InfoRecord) => this.onRecord(record, info) } : {}),
    };
  }

  /** Takes one record; `info` holds csv-parse's counters (`lines`: the line the record ends on, `empty_lines`). */
  onRecord(record: string[], info: Pick<Info, 'lines' | 'empty_lines'>): null {
    const line = this.prevEnd + 1 + (info.empty_lines - this.prevEmpty);
    this.prevEnd = info.lines;
    this.prevEmpty = info.empty_lines;
    const blank = record.every((f) => f.trim() === '');
    if (this.header === null) {
      if (!blank || record.length > 1) this.setHeader(record); // leading lines of spaces are skipped
      return null;
    }
    const m = this.header.length;
    if (blank && record.length === 1 && m > 1) return null; // a line of spaces
    if (record.length > m || (record.length < m && this.options.shortRows === 'error')) {
      throw new DataError(
        `${this.sourceName}: ragged rows: row ${this.rows + 1} (line ${line}) has ${record.length} field${record.length === 1 ? '' : 's'}, ` +
          `the header has ${m}`,
        { source: this.sourceName, row: this.rows + 1, line, fields: record.length, expected: m, problem: 'ragged rows' },
      );
    }
    if (this.rows === this.lines.length) {
      const grown = new Int32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.rows] = line;
    for (let c = 0; c < m; c++) this.columns[c].push(c < record.length ? record[c] : '');
    this.rows++;
    return null;
  }

  private setHeader(names: string[]): void {
    const delimiter = this.options.delimiter ?? ',';
    if (names.length === 1) {
      const counts = CANDIDATES.filter(([d]) => d !== delimiter).map(([d, label]) => [names[0].split(d).length - 1, d, label] as const);
      const [count, d, label] = counts.reduce((a, b) => (b[0] > a[0] ? b : a));
      if (count > 0) {
        throw new DataError(
          `${this.sourceName}: wrong delimiter: the header ${JSON.stringify(names[0].slice(0, 60))} reads as one column; ` +
            `the file looks ${label}-separated (${JSON.stringify(d)}), not ${delimiterName(delimiter)}-separated ` +
            `(${d === '\t' ? 'read it as tsv' : `set the delimiter to ${JSON.stringify(d)}`})`,
          { source: this.sourceName, problem: 'wrong delimiter', expected: delimiter, found: d, line: 1 },
        );
      }
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    names.forEach((name, i) => {
      if (name.trim() === '') {
        throw new DataError(`${this.sourceName}: header has an empty column name at position ${i + 1}`, {
          source: this.sourceName,
          position: i + 1,
        });
      }
      if (seen.has(name)) duplicates.add(name);
      seen.add(name);
    });
    if (duplicates.size > 0) {
      const list = [...duplicates].map((d) => `"${d}"`).join(', ');
      throw new DataError(
        `${this.sourceName}: duplicate column name${duplicates.size > 1 ? 's' : ''} ${list} in the header (line 1)`,
        { source: this.sourceName, duplicates: [...duplicates], column: [...duplicates][0], problem: 'duplicate column names' },
      );
    }
    this.header = names;
    this.columns = names.map(() => []);
  }

  table(): Table {
    if (this.header === null) {
      throw new DataError(`${this.sourceName}: empty file (no header row)`, { source: this.sourceName, problem: 'empty file' });
    }
    if (this.rows === 0) {
      throw new DataError(`${this.sourceName}: header but no data rows (columns: ${this.header.join(', ')})`, {
        source: this.sourceName,
        columns: this.header,
        problem: 'no rows',
      });
    }
    const lines = this.lines;
    const raw = this.header.map((name, c) => ({ name, values: this.columns[c] }));
    return tableFromColumns(raw, this.sourceName, {
      ...this.options,
      rowLabel: (i) => `row ${i + 1} (line ${lines[i]})`,
    });
  }
}

/** A csv-parse error (unclosed quote, stray quote…) as a DataError naming the file and line. */
function translate(err: unknown, sourceName: string): unknown {
  if (!(err instanceof CsvError)) return err;
  const line = (err as CsvError & { lines?: number }).lines;
  const text =
    err.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `a quoted field opened on or before line ${line} is never closed`
      : err.message.replace(/^[^:]*:\s*/, '');
  return new DataError(`${sourceName}: malformed CSV at line ${line}: ${text}`, { source: sourceName, line, code: err.code });
}

/**
 * Parses CSV text with a header row (all values looked at by lib/data/typing.ts). Blank lines are skipped;
 * a row with more fields than the header is an error, one with fewer is padded unless `shortRows: 'error'`.
 * Row numbers in errors count data rows from 1 (the header is not a row), with the line they start on.
 */
export function parseCsv(text: string, sourceName: string, options: CsvOptions = {}): Table {
  assertTextStart(Buffer.from(text.slice(0, 4096), 'utf8'), sourceName);
  const collector = new CsvCollector(sourceName, options);
  try {
    parseSync(text, collector.parserOptions(true));
  } catch (err) {
    throw translate(err, sourceName);
  }
  return collector.table();
}

/**
 * Streams a CSV/TSV file (1 MiB reads): checks it is UTF-8 text, reports progress per read, then types the columns.
 * Records arrive as 'data' events while each read is parsed, so csv-parse's live line counters belong to them
 * (cheaper than on_record, which builds an info object per record).
 */
export async function readCsvFile(path: string, sourceName: string, options: CsvFileOptions = {}): Promise<Table> {
  const collector = new CsvCollector(sourceName, options);
  const parser = new Parser(collector.parserOptions(false));
  let failure: unknown;
  parser.on('data', (record: string[]) => {
    if (failure === undefined) {
      try {
        collector.onRecord(record, parser.info);
      } catch (err) {
        failure = err;
      }
    }
  });
  parser.on('error', (err) => (failure ??= err));
  const checker = new Utf8Checker(sourceName);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (bytes === 0) assertTextStart(chunk, sourceName);
      checker.check(chunk);
      await new Promise<void>((resolve, reject) => parser.write(chunk, (err) => (err ? reject(err) : resolve())));
      if (failure !== undefined) throw failure;
      bytes += chunk.length;
      options.onProgress?.({ rows: collector.rows, bytes, detail: `read ${bytes} bytes, ${collector.rows} rows` });
    }
    checker.finish();
    await new Promise<void>((resolve, reject) => {
      parser.once('error', reject);
      parser.once('end', resolve);
      parser.end();
    });
    if (failure !== undefined) throw failure;
  } catch (err) {
    throw translate(failure ?? err, sourceName);
  } finally {
    stream.destroy();
    parser.destroy();
  }
  return collector.table();
}
