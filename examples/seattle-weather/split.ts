// Makes the demo's two files from vega-datasets' seattle-weather.csv: 2012–2013 to train on, 2014–2015 to replay.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as aq from 'arquero';

const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
const here = dirname(fileURLToPath(import.meta.url));

const all = aq.fromCSV(readFileSync(source, 'utf8'), { parse: { date: String } });
const byYears = (from: number, to: number) =>
  all.params({ from: `${from}-01-01`, to: `${to}-12-31` }).filter((d: { date: string }, $: { from: string; to: string }) => d.date >= $.from && d.date <= $.to);

for (const [file, from, to] of [['train-2012-2013.csv', 2012, 2013], ['replay-2014-2015.csv', 2014, 2015]] as const) {
  const part = byYears(from, to);
  writeFileSync(join(here, file), part.toCSV());
  console.log(`${file}: ${part.numRows()} rows`);
}
