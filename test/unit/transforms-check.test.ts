// Transforms in a definition: an unsupported expression is refused when the definition is checked, naming it, its path and what is supported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { planTransforms, rawFeatures } from '../../lib/transforms/plan.js';

const base = { name: 'weather', target: 'weather', features: { numeric: ['temp_range'], categorical: [] } };

function problems(transforms: unknown[]): string {
  try {
    parsePipeline({ ...base, transforms }, 'test', '/tmp');
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

test('an unsupported function, operator or construct is refused by path, naming it and what is supported', () => {
  const message = problems([{ name: 'temp_range', expr: 'temp_max - temp_min' }, { name: 'month', expr: 'month(date)' }, { name: 'wave', expr: 'sin(wind)' }]);
  assert.match(message, /transforms\.2\.expr: function "sin" is not supported; supported: log, exp, sqrt, abs, clip, year, month, day, hour, dayofweek, lower, trim/);
  assert.match(problems([{ name: 'p', expr: 'wind ** 2' }]), /transforms\.0\.expr: operator "\*\*" is not supported; supported: \+ - \* \//);
  assert.match(problems([{ name: 'p', expr: 'Math.log(wind)' }]), /transforms\.0\.expr: function "a computed callee" is not supported/);
  assert.match(problems([{ name: 'p', expr: '[wind]' }]), /transforms\.0\.expr: ArrayExpression is not supported/);
  assert.match(problems([{ name: 'p', expr: 'wind +' }]), /transforms\.0\.expr: cannot be parsed/);
  assert.equal(problems([{ name: 'temp_range', expr: 'temp_max - temp_min' }, { name: 'hot', expr: 'temp_max > 25 ? 1 : 0' }]), '');
});

test('names: duplicates, reading a later transform or itself, the target, and kinds that mix are refused', () => {
  assert.match(problems([{ name: 'a', expr: 'b + 1' }, { name: 'b', expr: 'wind * 2' }]), /transforms\.0\.expr: reads "b", which is declared later/);
  assert.match(problems([{ name: 'a', expr: 'a + 1' }]), /transforms\.0\.expr: reads "a", its own name/);
  assert.match(problems([{ name: 'a', expr: 'wind' }, { name: 'a', minmax: 'wind' }]), /transforms\.1\.name: "a" is declared twice/);
  assert.match(problems([{ name: 'weather', expr: 'wind' }]), /transforms\.0\.name: "weather" is the target/);
  assert.match(problems([{ name: 'a', expr: 'wind', minmax: 'wind' }]), /transforms\.0: needs exactly one of expr, standardize/);
  assert.match(problems([{ name: 'a', buckets: 'wind' }]), /transforms\.0\.quantiles: is required for "buckets"/);
  assert.match(problems([{ name: 'a', minmax: 'wind', encode: 'index' }]), /transforms\.0\.encode: does not apply to a "minmax" transform/);
});

test('against the data: unknown columns, a name that is already a column and type mistakes are named', () => {
  const columns = new Map([['wind', 'number'], ['weather', 'string'], ['date', 'date']] as const);
  assert.throws(() => planTransforms([{ name: 'a', expr: 'windy + 1' }], columns), /transforms\[0\] \("a"\): reads "windy", which is neither a column of the data nor an earlier transform/);
  assert.throws(() => planTransforms([{ name: 'weather', expr: 'wind * 2' }], columns), /"weather" is already a column of the data/);
  assert.throws(() => planTransforms([{ name: 'a', expr: 'log(weather)' }], columns), /log\(\) takes \(number\), not \(string\)/);
  assert.throws(() => planTransforms([{ name: 'a', expr: 'clip(wind, 0, wind)' }], columns), /clip\(\)'s argument 3 must be a number literal/);
  assert.throws(() => planTransforms([{ name: 'a', expr: 'date' }], columns), /is a date: use year\(\)/);
  assert.throws(() => planTransforms([{ name: 'a', standardize: 'weather' }], columns), /standardize takes a number column; "weather" is a string/);
});

test('drift reads the raw columns behind derived features: those that are not derived, then what the transforms read', () => {
  const columns = new Map([['wind', 'number'], ['temp_max', 'number'], ['temp_min', 'number'], ['weather', 'string'], ['place', 'string'], ['date', 'date']] as const);
  const decls = [
    { name: 'temp_range', expr: 'temp_max - temp_min' },
    { name: 'month', expr: 'month(date)' },
    { name: 'place_i', vocabulary: 'place' },
  ];
  assert.deepEqual(rawFeatures(decls, { numeric: ['temp_range', 'month', 'wind', 'place_i', 'temp_max'], categorical: [] }, columns), {
    numeric: ['wind', 'temp_max', 'temp_min'],
    categorical: ['place'],
  });
});
