// Every webhook mlcycle sends: a versioned JSON event, signed when MLCYCLE_WEBHOOK_SECRET is set, one attempt with a timeout.
import { signWebhook, webhookSecrets } from '../crypto/webhookSignature.js';

/** The envelope's version: receivers check it before reading the rest. */
export const WEBHOOK_EVENT_VERSION = 1;

/** POSTs `event` (with `version` added) and says how it went, for the caller's record; an unreachable receiver is reported, not retried. */
export async function postWebhook(
  url: string,
  event: Record<string, unknown>,
  o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<{ status: number | null; said: string }> {
  const body = JSON.stringify({ version: WEBHOOK_EVENT_VERSION, ...event });
  const headers = { 'content-type': 'application/json', ...signWebhook(body, webhookSecrets(o.env)) };
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 5000);
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout });
    return { status: res.status, said: `${url} answered ${res.status}` };
  } catch (err) {
    return { status: null, said: `${url} unreachable: ${(err as Error).message}` };
  }
}
