// Tests for CSV parsing and column typing: real data (seattle-weather), quoting, kinds and bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../lib/data/csv.js';
import { DataError } from '../../lib/data/errors.js';
import { categoricalColumn, column, numericColumn } from '../../lib/data/table.js';
import { tableFromColumns, tableFromObjects } from '../../lib/data/typing.js';
import { parseIsoDate } from '../../lib/data/textValues.js';

const SEATTLE = new URL('../../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url);

test('seattle-weather parses to 1461 rows with date, numeric and categorical columns', () => {
  const t = parseCsv(readFileSync(SEATTLE, 'utf8'), 'seattle-weather.csv');
  assert.equal(t.rows, 1461);
  assert.deepEqual(
    t.columns.map((c) => [c.name, c.kind]),
    [
      ['date', 'date'],
      ['precipitation', 'numeric'],
      ['temp_max', 'numeric'],
      ['temp_min', 'numeric'],
      ['wind', 'numeric'],
      ['weather', 'categorical'],
    ],
  );
  const date = column(t, 'date');
  assert.ok(date.values instanceof Float64Array);
  assert.equal(date.values[0], Date.UTC(2012, 0, 1));
  assert.equal(date.values[1460], Date.UTC(2015, 11, 31));
  const tempMax = column(t, 'temp_max');
  assert.ok(tempMax.values instanceof Float64Array);
  assert.equal(tempMax.values[0], 12.8);
  assert.deepEqual(new Set(categoricalColumn(t, 'weather').values), new Set(['drizzle', 'rain', 'sun', 'snow', 'fog']));
});

test('quoted fields keep commas, doubled quotes and embedded newlines', () => {
  const text = 'name,note,n\n"Smith, J.","said ""hi""\nthen left",1\nplain,"",2\r\n"x",y,3\n';
  const t = parseCsv(text, 'quoted.csv');
  assert.equal(t.rows, 3);
  assert.deepEqual(column(t, 'name').values, ['Smith, J.', 'plain', 'x']);
  assert.deepEqual(column(t, 'note').values, ['said "hi"\nthen left', null, 'y']);
  assert.deepEqual(Array.from(numericColumn(t, 'n').values), [1, 2, 3]);
});

test('kind rules: empty is null, booleans and mixes are categorical, numeric strings are numbers', () => {
  const t = parseCsv('a,b,c,d,e\n1,true,2020-01-02,x,\n,false,2020-01-03T04:05:06Z,7,\n2.5e1,true,,8,\n', 'kinds.csv');
  assert.deepEqual(
    t.columns.map((c) => c.kind),
    ['numeric', 'categorical', 'date', 'categorical', 'categorical'],
  );
  assert.deepEqual(Array.from(numericColumn(t, 'a').values), [1, NaN, 25]);
  assert.deepEqual(column(t, 'b').values, ['true', 'false', 'true']);
  assert.deepEqual(Array.from(column(t, 'c').values as Float64Array), [Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 3, 4, 5, 6), NaN]);
  assert.deepEqual(column(t, 'd').values, ['x', '7', '8']);
  assert.deepEqual(column(t, 'e').values, [null, null, null]);
});

test('a late non-number makes the whole column categorical (every value is looked at)', () => {
  const lines = ['v'];
  for (let i = 0; i < 2000; i++) lines.push(String(i));
  lines.push('oops');
  const t = parseCsv(lines.join('\n'), 'late.csv');
  assert.equal(t.columns[0].kind, 'categorical');
  assert.equal(t.columns[0].values[2000], 'oops');
});

test('blank lines are skipped; short rows get missing values', () => {
  const t = parseCsv('a,b\n1,x\n\n2\n', 'blank.csv');
  assert.equal(t.rows, 2);
  assert.deepEqual(Array.from(numericColumn(t, 'a').values), [1, 2]);
  assert.deepEqual(column(t, 'b').values, ['x', null]);
});

test('empty file, header-only and duplicate names throw DataError naming the file', () => {
  const cases: [string, RegExp][] = [
    ['', /bad\.csv: empty file/],
    ['  \n\n', /bad\.csv: empty file/],
    ['a,b\n', /bad\.csv: header but no data rows \(columns: a, b\)/],
    ['a,b', /bad\.csv: header but no data rows/],
    ['a,b,a\n1,2,3\n', /bad\.csv: duplicate column name "a"/],
    ['a,,b\n1,2,3\n', /bad\.csv: header has an empty column name at position 2/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCsv(text, 'bad.csv'), (err: unknown) => {
      assert.ok(err instanceof DataError, `expected DataError for ${JSON.stringify(text)}`);
      assert.equal(err.name, 'DataError');
      assert.match(err.message, message);
      assert.equal(err.details?.source, 'bad.csv');
      return true;
    });
  }
});

test('ISO dates: offsets, no offset = UTC, invalid calendar dates rejected', () => {
  assert.equal(parseIsoDate('2014-03-01'), Date.UTC(2014, 2, 1));
  assert.equal(parseIsoDate('2014-03-01T10:00'), Date.UTC(2014, 2, 1, 10));
  assert.equal(parseIsoDate('2014-03-01T10:00:00.250+02:00'), Date.UTC(2014, 2, 1, 8, 0, 0, 250));
  assert.equal(parseIsoDate('0050-01-01'), -60589296000000);
  assert.equal(parseIsoDate('2014-02-29'), undefined);
  assert.equal(parseIsoDate('2016-02-29'), Date.UTC(2016, 1, 29));
  assert.equal(parseIsoDate('2014-13-01'), undefined);
  assert.equal(parseIsoDate('2014'), undefined);
});

test('tableFromObjects: key union in first-seen order, Date objects, forced kinds', () => {
  const t = tableFromObjects(
    [
      { id: 1, when: new Date(Date.UTC(2020, 0, 1)), flag: true },
      { id: 2, extra: 'late', when: null },
    ],
    'objects',
  );
  assert.deepEqual(t.columns.map((c) => `${c.name}:${c.kind}`), ['id:numeric', 'when:date', 'flag:categorical', 'extra:categorical']);
  assert.deepEqual(column(t, 'flag').values, ['true', null]);
  assert.deepEqual(column(t, 'extra').values, [null, 'late']);

  const zips = tableFromColumns([{ name: 'zip', values: ['98101', '98102'] }], 'zips', { kinds: { zip: 'categorical' } });
  assert.deepEqual(zips.columns[0], { name: 'zip', kind: 'categorical', values: ['98101', '98102'] });

  assert.throws(
    () => tableFromObjects([{ x: 1 }, { x: 'two' }], 'api', { kinds: { x: 'numeric' } }),
    (err: unknown) => err instanceof DataError && /api: column "x" row 2: "two" is not a number/.test(err.message),
  );
  assert.throws(
    () => tableFromObjects([{ x: { nested: 1 } }], 'api'),
    (err: unknown) => err instanceof DataError && /column "x" row 1: an object is not a scalar value/.test(err.message),
  );
});
