// CSV text → typed Table: kept for callers; the parser lives in lib/data/sources/csv.ts (csv-parse, line-accurate errors).
export { parseCsv, readCsvFile, type CsvOptions, type CsvFileOptions } from './sources/csv.js';
