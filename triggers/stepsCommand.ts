// `mlcycle steps [P]`: the steps a pipeline can use (built-in, and its modules'), with their ports, cache default and configuration.
import type { Command } from 'commander';
import { configJsonSchema, catalogOf, type StepDescriptor } from '../lib/steps/catalog.js';
import { checkPipeline, resolvePipeline } from './client.js';

export function describeStep(d: StepDescriptor): string {
  const schema = configJsonSchema(d) as { properties?: Record<string, { type?: string; description?: string; default?: unknown }>; required?: string[] };
  const props = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const required = schema.required?.includes(name) && p.default === undefined ? ', required' : '';
    return `      with.${name}: ${p.type ?? 'value'}${required}${p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : ''}${p.description ? ` — ${p.description}` : ''}`;
  });
  return [
    `  ${d.name}${d.builtin ? ' (built-in)' : ` (${d.module})`}: ${d.description}`,
    `      takes ${d.consumes.join(', ') || 'nothing'} → gives ${d.produces.join(', ') || 'nothing'}; cache ${d.cache ? 'on' : 'off (side effects)'}; timeout ${d.timeoutSeconds} s`,
    ...(props.length ? props : [d.builtin ? "      with: nothing (its settings are the pipeline's own sections)" : '      with: nothing']),
  ].join('\n');
}

export function addStepsCommand(program: Command): void {
  program
    .command('steps [pipeline]')
    .description('list the available steps (built-in, and those of the pipeline\'s modules) with their inputs, outputs and configuration')
    .option('--json', 'print JSON')
    .action(async (ref: string | undefined, opts: { json?: boolean }) => {
      const catalog = ref ? (await checkPipeline(await resolvePipeline(ref))).checked.catalog : catalogOf([]);
      const steps = [...catalog.values()];
      if (opts.json) {
        const plain = steps.map((d) => ({ name: d.name, description: d.description, builtin: d.builtin, module: d.module ?? null, consumes: d.consumes, produces: d.produces, cache: d.cache, config: configJsonSchema(d) }));
        console.log(JSON.stringify(plain, null, 2));
        return;
      }
      console.log(steps.map(describeStep).join('\n'));
    });
}
