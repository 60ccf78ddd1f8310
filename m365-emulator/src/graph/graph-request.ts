/**
 * A Graph request after authentication, independent of HTTP, so `$batch` can dispatch inner
 * requests through exactly the same routes as top-level ones.
 */
import type { GraphCaller } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { QueryOptions } from './query-string.js';

/** Content type of every JSON response, exactly as Graph sends it. */
export const GRAPH_JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** One request to a Graph route. */
export interface GraphRequest {
  readonly method: string;
  /** Path below `/v1.0`, still percent-encoded (e.g. `/users/conor.o'neil%40contoso.com`). */
  readonly path: string;
  /** Decoded path segments below `/v1.0`. */
  readonly segments: readonly string[];
  readonly query: QueryOptions;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly caller: GraphCaller;
  /** The caller's tenant (always `caller.tid`: a token never reads another tenant). */
  readonly directory: InMemoryTenantDirectory;
  /** Origin clients reach the emulator on (absolute links are built on it). */
  readonly origin: string;
  /** True for a request inside `$batch`. */
  readonly inBatch: boolean;
}

/** A route's answer; the handler adds the common headers. */
export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; omitted for empty responses (202, 204). */
  body?: unknown;
  /** Plain-text body (`$count` segments). */
  text?: string;
}

/** True when the request opted into advanced queries (`ConsistencyLevel: eventual`). */
export function hasEventualConsistency(request: GraphRequest): boolean {
  return request.headers['consistencylevel']?.trim().toLowerCase() === 'eventual';
}

/** Absolute URL of a path below `/v1.0` on the request's origin. */
export function graphUrl(request: Pick<GraphRequest, 'origin'>, path: string): string {
  return `${request.origin}/v1.0${path}`;
}
