/**
 * Reads up to 20 resources in one Graph `$batch`, as the directory (Selected Targets) and the
 * targets reader (licence plans) both need: only the entries Graph throttled are retried, honouring
 * their Retry-After, a missing resource (404, or 400 for an id that cannot be one) is `undefined`,
 * and anything else fails the whole read with Graph's own code.
 */
import { retryAfterMs } from '@cas/core';
import { callGraph } from './graph-client.js';
import { GraphError } from './graph-error.js';

/** One inner answer of a `$batch`. */
interface BatchAnswer {
  readonly id: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** One inner request of a `$batch`. */
export interface BatchRequest {
  readonly id: string;
  readonly method: 'GET';
  readonly url: string;
}

const RETRYABLE_INNER = new Set([429, 503, 504]);
/** Rounds of retrying throttled inner requests before the whole read fails. */
const BATCH_ROUNDS = 4;
/** Longest wait honoured between rounds: an admin may be waiting (Done). */
const MAX_BATCH_WAIT_MS = 5_000;

/** GETs every url (at most 20) in one `$batch`; answers in the order of `urls`. */
export async function readEachInBatch<T>(options: {
  readonly call: string;
  readonly urls: readonly string[];
  readonly post: (requests: readonly BatchRequest[]) => Promise<{ responses?: BatchAnswer[] }>;
  readonly read: (body: unknown) => T;
  readonly sleep: (ms: number) => Promise<void>;
}): Promise<(T | undefined)[]> {
  const { call } = options;
  const results = new Map<string, T | undefined>();
  let pending: BatchRequest[] = options.urls.map((url, index) => ({
    id: String(index + 1),
    method: 'GET',
    url,
  }));
  for (let round = 1; pending.length > 0; round += 1) {
    const requests = pending;
    const answer = await callGraph(call, () => options.post(requests));
    const retry: BatchRequest[] = [];
    let wait = 0;
    for (const inner of answer.responses ?? []) {
      const request = pending.find((each) => each.id === inner.id);
      if (request === undefined) continue;
      if (inner.status === 200) results.set(inner.id, options.read(inner.body));
      else if (inner.status === 404 || inner.status === 400) results.set(inner.id, undefined);
      else if (RETRYABLE_INNER.has(inner.status) && round < BATCH_ROUNDS) {
        retry.push(request);
        const header = Object.entries(inner.headers ?? {}).find(
          ([name]) => name.toLowerCase() === 'retry-after',
        )?.[1];
        wait = Math.max(wait, Math.min(MAX_BATCH_WAIT_MS, retryAfterMs(header, round, Date.now())));
      } else {
        const error = (inner.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw new GraphError(call, inner.status, error?.code ?? 'GraphRequestFailed', error?.message ?? '');
      }
    }
    const answered = new Set((answer.responses ?? []).map((inner) => inner.id));
    if (pending.some((each) => !answered.has(each.id)))
      throw new GraphError(call, 0, 'GraphRequestFailed', 'a $batch entry got no answer');
    pending = retry;
    if (pending.length > 0) await options.sleep(wait);
  }
  return options.urls.map((_, index) => results.get(String(index + 1)));
}
