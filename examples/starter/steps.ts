// Your pipeline's own steps: each is one exported defineStep object (see the README, "Writing your own steps").
import { aq, defineStep, StepError, z } from 'mlcycle/steps';

interface Day {
  temp_max: number | null;
  temp_min: number | null;
}

/** Adds the day's temperature range (max − min); drops days missing a temperature unless told not to. */
export const temperatureRange = defineStep({
  name: 'temperature-range',
  description: 'adds temp_range = temp_max − temp_min; drops days missing a temperature',
  config: z.object({ dropMissing: z.boolean().default(true) }).strict(),
  consumes: ['dataset'],
  produces: ['dataset'],
  async run(ctx, { inputs, config }) {
    if (!inputs.dataset) throw new StepError('no dataset input: this step needs one upstream (e.g. ingest)');
    const days = await ctx.loadTable(inputs.dataset);
    if (!days.columnNames().includes('temp_max') || !days.columnNames().includes('temp_min')) {
      throw new StepError(`the data has no temp_max/temp_min columns (it has ${days.columnNames().join(', ')})`);
    }
    const kept = config.dropMissing ? days.filter(aq.escape((d: Day) => d.temp_max !== null && d.temp_min !== null)) : days;
    const derived = kept.derive({ temp_range: aq.escape((d: Day) => (d.temp_max === null || d.temp_min === null ? null : Math.round((d.temp_max - d.temp_min) * 10) / 10)) });
    ctx.progress(`derived temp_range over ${derived.numRows()} rows`);
    const dataset = await ctx.saveTable(derived, { source: `${inputs.dataset.source} + temp_range` });
    return { dataset, summary: `${derived.numRows()} rows (${days.numRows() - kept.numRows()} dropped), + temp_range` };
  },
});
