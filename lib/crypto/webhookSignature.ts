// Signed webhooks: an HMAC-SHA256 of "<timestamp>.<body>" per secret (MLCYCLE_WEBHOOK_SECRET), and its verification for receivers.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SECRET_VAR = 'MLCYCLE_WEBHOOK_SECRET';
export const TIMESTAMP_HEADER = 'mlcycle-timestamp';
export const SIGNATURE_HEADER = 'mlcycle-signature';
/** How old (or how far ahead) a timestamp a receiver accepts by default: five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
const MIN_SECRET_LENGTH = 16;

/**
 * The signing secrets from `MLCYCLE_WEBHOOK_SECRET`, comma-separated (the first is the current one; during a rotation
 * both are listed, so receivers holding either verify); none → webhooks go unsigned.
 */
export function webhookSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env[WEBHOOK_SECRET_VAR];
  if (raw === undefined || raw.trim() === '') return [];
  const secrets = raw.split(',').map((s) => s.trim());
  secrets.forEach((s, i) => {
    if (s.length < MIN_SECRET_LENGTH) throw new Error(`${WEBHOOK_SECRET_VAR}: secret ${i + 1} is ${s.length} characters; each must have at least ${MIN_SECRET_LENGTH}`);
  });
  return secrets;
}

function hmac(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The two headers of a signed POST: the send time (Unix seconds) and `v1=<hex>` per secret, comma-separated. */
export function signWebhook(body: string, secrets: readonly string[], nowMs = Date.now()): Record<string, string> {
  if (secrets.length === 0) return {};
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: secrets.map((s) => `v1=${hmac(s, timestamp, body)}`).join(',') };
}

export type WebhookVerdict = { ok: true; sentAt: Date } | { ok: false; reason: string };

/**
 * Checks a received webhook: `body` exactly as received (the raw text, before any JSON parsing), its two headers, and
 * the receiver's secret. Refuses a missing header, a timestamp outside the tolerance (a replay), and a body or secret
 * that does not match any of the signatures.
 */
export function verifyWebhook(o: { body: string; timestamp: string | undefined; signature: string | undefined; secret: string; toleranceSeconds?: number; nowMs?: number }): WebhookVerdict {
  if (!o.timestamp || !o.signature) return { ok: false, reason: `missing the ${!o.timestamp ? TIMESTAMP_HEADER : SIGNATURE_HEADER} header` };
  if (!/^\d{1,12}$/.test(o.timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} is not a Unix time in seconds` };
  const sentAt = Number(o.timestamp) * 1000;
  const tolerance = (o.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
  const age = (o.nowMs ?? Date.now()) - sentAt;
  if (Math.abs(age) > tolerance) return { ok: false, reason: `sent ${Math.round(age / 1000)} s from now: outside the ${tolerance / 1000} s tolerance (a replay, or a clock off)` };
  const expected = Buffer.from(hmac(o.secret, o.timestamp, o.body), 'hex');
  const matches = o.signature.split(',').some((part) => {
    const [scheme, hex] = part.trim().split('=', 2);
    if (scheme !== 'v1' || !hex || !/^[0-9a-f]{64}$/.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
  return matches ? { ok: true, sentAt: new Date(sentAt) } : { ok: false, reason: 'the signature does not match the body with this secret' };
}
