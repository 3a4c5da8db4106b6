// Fixtures of the approval tests: tokens with an approval role, a quick pipeline with an approval step, audit rows, HTTP calls.
import type { PipelineDefinition, PipelineInput } from '../../lib/config/pipeline.js';
import type { TestStack } from '../harness.js';
import { auditOf, type AuditRow } from './rolloutPeopleFixture.js';

/** Carol holds the role the definitions name; Bob only scores. */
export const CAROL = { subject: 'carol', token: 'carol-model-risk-0123456789', roles: ['model-risk'] };
export const BOB = { subject: 'bob', token: 'bob-only-scores-0123456789', roles: ['score'] };
/** Sends traffic and labels in the rollout test. */
export const TRAFFIC = { subject: 'traffic', token: 'traffic-scores-and-labels-0123', roles: ['score', 'feedback'] };

/** ingest → validate → optimize (one logreg) → package → approve (uses: approval, with `gate`) → rollout. */
export function withApproval(base: PipelineDefinition, name: string, gate: Record<string, unknown>): PipelineInput {
  return {
    ...base,
    name,
    search: { ...base.search, folds: 3, strategy: 'grid', space: { logreg: { l2: [0.1] } } },
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'validate', uses: 'validate', needs: ['ingest'] },
      { id: 'optimize', uses: 'optimize', needs: ['validate'] },
      { id: 'package', uses: 'package', needs: ['optimize'] },
      { id: 'approve', uses: 'approval', needs: ['package'], with: gate },
      { id: 'rollout', uses: 'rollout', needs: ['approve'] },
    ],
  };
}

export type ApprovalAuditRow = AuditRow;

/** Audit rows of approvals whose subject is `model` or one of its versions, in order. */
export const approvalAudit = (stack: TestStack, model: string): Promise<AuditRow[]> => auditOf(stack, model, 'approval');

/** An HTTP call to the test stack with a bearer token. */
export async function http(stack: TestStack, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.info.httpUrl}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Adds a bearer token to fetch calls that carry none (the rollout fixtures' traffic), until the returned function is called. */
export function fetchWithToken(token: string): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return original(input, { ...init, headers });
  };
  return () => void (globalThis.fetch = original);
}
