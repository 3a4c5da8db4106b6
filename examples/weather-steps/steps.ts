// User steps of the weather-steps example: derive features with arquero, a business rule beside validation, a webhook after deploy.
import { aq, defineStep, StepError, z } from '../../lib/steps/define.js';

const { escape, op } = aq;

interface Day {
  date: Date | null;
  temp_max: number | null;
  temp_min: number | null;
}

/** Adds the day's temperature range and month; drops days without a temperature. */
export const deriveFeatures = defineStep({
  name: 'derive-features',
  description: 'adds temp_range (max − min) and month from the date; drops days missing a temperature',
  config: z.object({ dropMissing: z.boolean().default(true) }).strict(),
  consumes: ['dataset'],
  produces: ['dataset'],
  async run(ctx, { inputs, config }) {
    if (!inputs.dataset) throw new StepError('no dataset input');
    const days = await ctx.loadTable(inputs.dataset);
    const kept = config.dropMissing ? days.filter(escape((d: Day) => d.temp_max !== null && d.temp_min !== null)) : days;
    const derived = kept.derive({
      temp_range: escape((d: Day) => (d.temp_max === null || d.temp_min === null ? null : Math.round((d.temp_max - d.temp_min) * 10) / 10)),
      month: escape((d: Day) => (d.date ? d.date.getUTCMonth() + 1 : null)),
    });
    ctx.progress(`derived 2 columns over ${derived.numRows()} rows`);
    const dataset = await ctx.saveTable(derived, { source: `${inputs.dataset.source} + temp_range, month` });
    return { dataset, summary: `${derived.numRows()} rows (${days.numRows() - kept.numRows()} dropped), + temp_range, month` };
  },
});

/** A rule the business cares about and a schema cannot say: enough examples of every kind of weather, and max ≥ min. */
export const businessRules = defineStep({
  name: 'business-rules',
  description: 'fails the run when a weather class has too few days or a day has temp_max < temp_min',
  config: z.object({ minDaysPerClass: z.number().int().min(1).default(20), target: z.string().default('weather') }).strict(),
  consumes: ['dataset'],
  produces: ['data'],
  async run(ctx, { inputs, config }) {
    if (!inputs.dataset) throw new StepError('no dataset input');
    const days = await ctx.loadTable(inputs.dataset);
    const counts = days.groupby(config.target).count().objects() as { [k: string]: unknown; count: number }[];
    const rare = counts.filter((c) => c.count < config.minDaysPerClass).map((c) => `${String(c[config.target])} (${c.count})`);
    const inverted = days.filter(escape((d: Day) => d.temp_max !== null && d.temp_min !== null && d.temp_max < d.temp_min)).numRows();
    const problems = [
      ...(rare.length ? [`fewer than ${config.minDaysPerClass} days: ${rare.join(', ')}`] : []),
      ...(inverted ? [`${inverted} day(s) with temp_max < temp_min`] : []),
    ];
    if (problems.length) throw new StepError(`business rules failed: ${problems.join('; ')}`);
    const classes = Object.fromEntries(counts.map((c) => [String(c[config.target]), c.count]));
    return { data: { classes, rows: days.numRows(), meanTempMax: Number(days.rollup({ m: op.mean('temp_max') }).get('m', 0)) }, summary: `${counts.length} classes, each ≥ ${config.minDaysPerClass} days` };
  },
});

/** Tells another service what was deployed (a side effect: never reused from the cache). */
export const notifyWebhook = defineStep({
  name: 'notify-webhook',
  description: 'POSTs the model version and where it serves to a URL',
  config: z
    .object({
      url: z.url(),
      /** Fail the run when the receiver does not answer 2xx (default: record the failure and go on). */
      failOnError: z.boolean().default(false),
      timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    })
    .strict(),
  consumes: ['model', 'deployment'],
  produces: ['data'],
  cache: false,
  async run(ctx, { inputs, config }) {
    // A versioned event, signed as mlcycle's own webhooks are (MLCYCLE_WEBHOOK_SECRET on the worker): receivers verify it.
    const event = {
      kind: 'step', event: 'deployed',
      pipeline: ctx.pipeline, run: ctx.runId,
      model: inputs.model ? { name: inputs.model.name, version: inputs.model.version, sha256: inputs.model.sha256 } : null,
      deployed: inputs.deployment ? inputs.deployment.role : null,
    };
    const sent = await ctx.webhook(config.url, event, { timeoutMs: config.timeoutMs });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const ok = sent.status !== null && sent.status >= 200 && sent.status < 300;
    if (!ok && config.failOnError) throw new StepError(sent.said, { retryable: sent.status === null || sent.status >= 500 });
    if (sent.status === null) ctx.log.warn(`webhook ${sent.said}`);
    return { data: { url: config.url, status: sent.status ?? 'unreachable' }, summary: `notified ${sent.said}` };
  },
});
