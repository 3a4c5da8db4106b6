// The pii hashing key (MLCYCLE_PII_KEY, base64, ≥ 32 bytes) and the keyed hash of a value: HMAC-SHA256, "h1:" + base64url.
import { createHmac } from 'node:crypto';

export const PII_KEY_VAR = 'MLCYCLE_PII_KEY';
const MIN_KEY_BYTES = 32;
const PREFIX = 'h1:';
const HASHED = /^h1:[A-Za-z0-9_-]{43}$/;

export class PiiKeyError extends Error {
  override name = 'PiiKeyError';
}

/** A hashing key: `id` names it (a digest of the key, safe to store) so data hashed under another key is recognised. */
export class PiiKey {
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length < MIN_KEY_BYTES) throw new PiiKeyError(`a pii key needs at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
    this.id = createHmac('sha256', key).update('mlcycle pii key id').digest('hex').slice(0, 16);
  }

  /** The keyed hash of a value's text; a value already in hashed form is kept (hashing twice changes nothing). */
  hash(text: string): string {
    if (isHashed(text)) return text;
    return PREFIX + createHmac('sha256', this.key).update(text, 'utf8').digest('base64url');
  }
}

/** True for text of the form the hash produces ("h1:" and 43 base64url characters). */
export function isHashed(text: string): boolean {
  return text.length === 46 && HASHED.test(text);
}

/** MLCYCLE_PII_KEY as a key; null when unset. A value that is not base64 of ≥ 32 bytes is an error naming the variable (never its value). */
export function readPiiKey(env: NodeJS.ProcessEnv = process.env): PiiKey | null {
  const raw = env[PII_KEY_VAR]?.trim();
  if (raw === undefined || raw === '') return null;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) || raw.replace(/=+$/, '').length % 4 === 1) {
    throw new PiiKeyError(`${PII_KEY_VAR} is not base64 (make one with \`openssl rand -base64 32\`)`);
  }
  const bytes = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < MIN_KEY_BYTES) {
    throw new PiiKeyError(`${PII_KEY_VAR} must decode to at least ${MIN_KEY_BYTES} bytes, it has ${bytes.length} (make one with \`openssl rand -base64 32\`)`);
  }
  return new PiiKey(bytes);
}

/** The key, or an error saying who needs it and why: hashed pii fails closed without it. */
export function requirePiiKey(who: string, fields: readonly string[], env: NodeJS.ProcessEnv = process.env): PiiKey {
  const key = readPiiKey(env);
  if (key) return key;
  throw new PiiKeyError(
    `${PII_KEY_VAR} is not set: ${who} hashes pii field(s) ${fields.join(', ')}; set it to the same base64 key of at least ` +
      `${MIN_KEY_BYTES} bytes on every worker and serving replica (\`openssl rand -base64 32\`)`,
  );
}

/**
 * What a snapshot made under these rules depends on besides the data: the rules and the id of the key that hashes
 * (an unreadable key counts as none: ingest then fails, naming it). Undefined when there are no rules (keys unchanged).
 */
export function piiCacheIdentity(rules: Record<string, string> | undefined, env: NodeJS.ProcessEnv = process.env): unknown {
  if (!rules || Object.keys(rules).length === 0) return undefined;
  if (!Object.values(rules).includes('hash')) return { rules };
  let keyId: string | null = null;
  try {
    keyId = readPiiKey(env)?.id ?? null;
  } catch {
    keyId = null;
  }
  return { rules, keyId };
}
