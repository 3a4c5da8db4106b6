// AES-256-GCM with key ids: the first configured key encrypts, every configured key decrypts (rotation). No Temporal here.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** A key id travels in clear beside the ciphertext (payload metadata): short, printable, no separators. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key configuration that cannot be used; the message names the variable (or file) and the entry. */
export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/** Why a ciphertext was refused: its key is not configured, it was altered, or it is not one of ours. */
export type DecryptFailure = 'unknown-key' | 'authentication-failed' | 'malformed';

export class PayloadDecryptError extends Error {
  override name = 'PayloadDecryptError';
  constructor(
    readonly reason: DecryptFailure,
    readonly keyId: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CodecKey {
  id: string;
  key: Uint8Array;
}

export class PayloadCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** The id of the key that encrypts (the first configured). */
  readonly encryptingKeyId: string;

  constructor(keys: readonly CodecKey[], origin = 'the codec keys') {
    if (keys.length === 0) throw new CodecKeyError(`${origin}: no key given (entries are id:base64-of-32-bytes)`);
    const map = new Map<string, Buffer>();
    keys.forEach(({ id, key }, i) => {
      if (!KEY_ID.test(id)) throw new CodecKeyError(`${origin}: key ${i + 1} has id "${id.slice(0, 70)}"; ids are 1-64 of A-Z a-z 0-9 . _ -`);
      if (map.has(id)) throw new CodecKeyError(`${origin}: key id "${id}" is given twice`);
      if (key.length !== KEY_BYTES) throw new CodecKeyError(`${origin}: key "${id}" is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (e.g. \`openssl rand -base64 32\`)`);
      map.set(id, Buffer.from(key));
    });
    this.keys = map;
    this.encryptingKeyId = keys[0].id;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** A fresh random 12-byte IV each call; the key id is authenticated too. Output: IV ‖ ciphertext ‖ 16-byte tag. */
  encrypt(plaintext: Uint8Array): { keyId: string; data: Uint8Array } {
    const keyId = this.encryptingKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  decrypt(keyId: string, data: Uint8Array): Uint8Array {
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptError('unknown-key', keyId, `payload encrypted with key id "${keyId}", which is not configured (configured: ${this.keyIds.join(', ')}); add that key to MLCYCLE_CODEC_KEYS (after the encrypting key) to read it`);
    }
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptError('malformed', keyId, `encrypted payload (key id "${keyId}") is ${data.length} bytes, shorter than an IV and a tag`);
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptError('authentication-failed', keyId, `encrypted payload (key id "${keyId}") failed authentication: it was altered, or key "${keyId}" is not the key that encrypted it`);
    }
  }
}

/** `id:base64` entries; `entries` come from a comma list or from a file's lines. */
function parseEntries(entries: { text: string; where: string }[], origin: string): CodecKey[] {
  return entries.map(({ text, where }) => {
    const colon = text.indexOf(':');
    if (colon <= 0) throw new CodecKeyError(`${origin}: ${where} must be id:base64-of-32-bytes`);
    const id = text.slice(0, colon).trim();
    const encoded = text.slice(colon + 1).trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new CodecKeyError(`${origin}: ${where} (key "${id}") is not base64`);
    return { id, key: Buffer.from(encoded, 'base64') };
  });
}

/** MLCYCLE_CODEC_KEYS's form: `id1:base64,id2:base64` (the first encrypts). */
export function parseCodecKeys(text: string, origin = 'MLCYCLE_CODEC_KEYS'): PayloadCipher {
  const entries = text.split(',').map((t, i) => ({ text: t.trim(), where: `entry ${i + 1}` }));
  return new PayloadCipher(parseEntries(entries, origin), origin);
}

/** MLCYCLE_CODEC_KEYS_FILE's form: one `id:base64` a line (the first encrypts); blank lines and `#` comments skipped. */
export function readCodecKeysFile(path: string, origin = `MLCYCLE_CODEC_KEYS_FILE ${path}`): PayloadCipher {
  let text: string;
  try {
    // Keys others may rewrite are keys an attacker may choose: refuse a group- or world-writable file.
    if ((statSync(path).mode & 0o022) !== 0) throw new CodecKeyError(`${origin}: the file is writable by group or others; chmod 600 (or 640) it`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof CodecKeyError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CodecKeyError(`${origin}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const entries = text
    .split(/\r?\n/)
    .map((t, i) => ({ text: t.trim(), where: `line ${i + 1}` }))
    .filter((e) => e.text !== '' && !e.text.startsWith('#'));
  return new PayloadCipher(parseEntries(entries, origin), origin);
}

/** The keys from MLCYCLE_CODEC_KEYS or MLCYCLE_CODEC_KEYS_FILE; null when neither is set (payloads stay in clear). */
export function readCodecKeys(env: NodeJS.ProcessEnv = process.env): PayloadCipher | null {
  const inline = env.MLCYCLE_CODEC_KEYS;
  const file = env.MLCYCLE_CODEC_KEYS_FILE;
  if (inline && file) throw new CodecKeyError('set MLCYCLE_CODEC_KEYS or MLCYCLE_CODEC_KEYS_FILE, not both');
  if (file) return readCodecKeysFile(file);
  if (inline) return parseCodecKeys(inline);
  return null;
}
