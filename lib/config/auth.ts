// Bearer tokens with roles, from MLCYCLE_TOKENS_FILE (JSON) or MLCYCLE_TOKENS (subject:token:role+role,…); zod-checked.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The roles the service's routes need; a token may also carry roles a definition names for its approvals. */
export const ROLES = ['score', 'feedback', 'operate'] as const;
/** A built-in role or one a pipeline definition names (e.g. "approve", "model-risk"). */
export type Role = string;

export const ROLE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
export const roleSchema = z.string().regex(ROLE_NAME, 'must be a role name: a lowercase letter, then lowercase letters, digits or "-" (at most 32)');

const tokenSchema = z
  .object({
    /** Who holds the token: the audit log records it. */
    subject: z.string().regex(/^[\w.@-]{1,64}$/, 'must be 1-64 letters, digits, _ . @ -'),
    token: z.string().min(16, 'must be at least 16 characters').max(512),
    roles: z.array(roleSchema).min(1, 'needs at least one role (score, feedback, operate, or one a definition names for approvals)'),
  })
  .strict();

export const tokensSchema = z
  .object({ tokens: z.array(tokenSchema).min(1) })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.tokens.forEach((x, i) => {
      if (seen.has(x.token)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'token'], message: 'is given twice' });
      seen.add(x.token);
    });
  });

export type AuthToken = z.infer<typeof tokenSchema>;

export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

function check(value: unknown, origin: string): AuthToken[] {
  const parsed = tokensSchema.safeParse(value);
  if (!parsed.success) {
    // Never the token itself in a message: only where the problem is.
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new AuthConfigError(`${origin} is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data.tokens;
}

/** `subject:token:role+role` entries separated by commas. */
export function parseTokenList(text: string, origin = 'MLCYCLE_TOKENS'): AuthToken[] {
  const tokens = text.split(',').map((entry, i) => {
    const [subject, token, roles, ...rest] = entry.trim().split(':');
    if (rest.length > 0 || roles === undefined) throw new AuthConfigError(`${origin} entry ${i + 1} must be subject:token:role+role`);
    return { subject, token, roles: roles.split('+') };
  });
  return check({ tokens }, origin);
}

/** The configured tokens, or null when none are (the service then serves only on a loopback address). */
export function readTokens(env: NodeJS.ProcessEnv = process.env): AuthToken[] | null {
  if (env.MLCYCLE_TOKENS_FILE) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(env.MLCYCLE_TOKENS_FILE, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new AuthConfigError(`MLCYCLE_TOKENS_FILE ${env.MLCYCLE_TOKENS_FILE}: ${code === 'ENOENT' ? 'no such file' : code ? (err as Error).message : 'not valid JSON'}`);
    }
    return check(json, `MLCYCLE_TOKENS_FILE ${env.MLCYCLE_TOKENS_FILE}`);
  }
  return env.MLCYCLE_TOKENS ? parseTokenList(env.MLCYCLE_TOKENS) : null;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
