// The payload codec's settings: keys (MLCYCLE_CODEC_KEYS / _FILE) and the Web UI origins its endpoint answers (MLCYCLE_CODEC_CORS_ORIGINS).
import { readCodecKeys, type PayloadCipher } from '../crypto/payloadCipher.js';

/** The Temporal dev server's Web UI (`temporal server start-dev`, and `mlcycle dev`'s default UI port). */
export const DEFAULT_CODEC_CORS_ORIGINS: readonly string[] = ['http://127.0.0.1:8233', 'http://localhost:8233'];

export interface CodecConfig {
  /** null → payloads travel and rest in clear (no codec, no endpoint). */
  keys: PayloadCipher | null;
  /** Browser origins allowed to call the codec endpoint (exact `scheme://host[:port]`). */
  corsOrigins: readonly string[];
}

/** `scheme://host[:port]` entries, comma-separated; anything else (a path, a wildcard) is refused by name. */
export function parseCorsOrigins(text: string, origin = 'MLCYCLE_CODEC_CORS_ORIGINS'): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL | null = null;
      try {
        url = new URL(entry);
      } catch {
        // named below
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== entry.replace(/\/$/, '')) {
        throw new Error(`${origin}: "${entry}" is not an origin (scheme://host[:port], e.g. https://temporal-ui.example.com; no path, no wildcard)`);
      }
      return url.origin;
    });
}

export function readCodecConfig(env: NodeJS.ProcessEnv = process.env): CodecConfig {
  const raw = env.MLCYCLE_CODEC_CORS_ORIGINS;
  return { keys: readCodecKeys(env), corsOrigins: raw ? parseCorsOrigins(raw) : DEFAULT_CODEC_CORS_ORIGINS };
}
