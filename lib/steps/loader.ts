// Loads user step modules: every exported step object is checked and becomes a descriptor; mistakes name module and export.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { UserStep } from './define.js';
import { BUILTIN_STEPS, type StepDescriptor } from './catalog.js';
import { PORT_KINDS } from './refs.js';

export interface DefinitionIssue {
  path: string;
  message: string;
}

const stepShape = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'must be lowercase letters, digits, ".", "-" or "_"'),
    description: z.string().max(500),
    version: z.string().min(1).max(100).optional(),
    config: z.custom<z.ZodType>((v) => typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function', 'must be a zod schema').optional(),
    consumes: z.array(z.enum(PORT_KINDS)).max(PORT_KINDS.length).optional(),
    produces: z.array(z.enum(['dataset', 'data'])).max(2).optional(),
    cache: z.boolean().optional(),
    run: z.custom<UserStep['run']>((v) => typeof v === 'function', 'must be a function (ctx, { inputs, config })'),
  })
  .strict();

/** What is wrong with a step object, one line per problem ("name must be …"); empty when it keeps the contract. */
export function stepContractIssues(value: unknown): string[] {
  const parsed = stepShape.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'step'} ${issue.message}`);
}

const looksLikeStep = (v: unknown): boolean => typeof v === 'object' && v !== null && 'run' in v && 'name' in v;

export interface LoadedModules {
  steps: StepDescriptor[];
  /** Module path → sha256 of its source: part of the stored definition's version. */
  hashes: Record<string, string>;
  issues: DefinitionIssue[];
}

/** Imports each module (its source hash busts Node's import cache, so a changed file is read again). */
export async function loadStepModules(paths: readonly string[]): Promise<LoadedModules> {
  const steps: StepDescriptor[] = [];
  const hashes: Record<string, string> = {};
  const issues: DefinitionIssue[] = [];
  const taken = new Map<string, string>(BUILTIN_STEPS.map((s) => [s.name, 'a built-in step']));
  for (const [i, path] of paths.entries()) {
    const where = `modules.${i}`;
    let source: Buffer;
    try {
      source = await readFile(path);
    } catch (err) {
      issues.push({ path: where, message: `cannot read step module ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
      continue;
    }
    const hash = createHash('sha256').update(source).digest('hex');
    hashes[path] = hash;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(`${pathToFileURL(path).href}?v=${hash.slice(0, 16)}`)) as Record<string, unknown>;
    } catch (err) {
      issues.push({ path: where, message: `step module ${path} failed to load: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    const found = Object.entries(exports).filter(([, v]) => looksLikeStep(v));
    if (found.length === 0) issues.push({ path: where, message: `${path} exports no step (an object with name, description and run; see defineStep)` });
    for (const [exportName, value] of found) {
      const problems = stepContractIssues(value);
      if (problems.length > 0) {
        for (const problem of problems) issues.push({ path: where, message: `export "${exportName}": ${problem}` });
        continue;
      }
      const step = value as UserStep;
      const owner = taken.get(step.name);
      if (owner) {
        issues.push({ path: where, message: `export "${exportName}": step name "${step.name}" is already ${owner}` });
        continue;
      }
      taken.set(step.name, `exported by ${path}`);
      steps.push({
        name: step.name,
        description: step.description,
        builtin: false,
        consumes: [...(step.consumes ?? [])],
        produces: [...(step.produces ?? [])],
        cache: step.cache ?? true,
        codeVersion: step.version ? `version:${step.version}` : `module:${hash}`,
        config: step.config ?? z.object({}).strict(),
        timeoutSeconds: 600,
        heartbeatSeconds: 60,
        module: path,
        step,
      });
    }
  }
  return { steps, hashes, issues };
}
