/**
 * `POST /$batch`: up to 20 inner requests, each dispatched through the normal routes (with the
 * batch's token, permissions and throttling per inner request). `dependsOn` orders execution; a
 * request whose dependency failed answers 424 without running.
 */
import { badRequest, errorBody } from './graph-error.js';
import { GRAPH_JSON_CONTENT_TYPE, type GraphRequest, type GraphResponse } from './graph-request.js';

/** Largest number of requests Graph accepts in one batch. */
export const MAX_BATCH_REQUESTS = 20;

/** An inner request as the batch body states it. */
export interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  hasBody: boolean;
  dependsOn: string[];
}

/** An inner response in the batch body. */
export interface BatchStepResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Runs one inner step (the handler supplies routing, permissions and throttling). */
export type StepDispatcher = (step: BatchStep) => Promise<GraphResponse>;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function parseSteps(request: GraphRequest): BatchStep[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest('Invalid batch payload format.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw badRequest(
      `The number of batch requests ${requests.length} exceeds the maximum of ${MAX_BATCH_REQUESTS}.`,
    );
  }
  const seen = new Set<string>();
  const steps = requests.map((raw: unknown): BatchStep => {
    const item = raw as {
      id?: unknown;
      method?: unknown;
      url?: unknown;
      headers?: unknown;
      body?: unknown;
      dependsOn?: unknown;
    };
    const id = typeof item.id === 'number' ? String(item.id) : item.id;
    if (typeof id !== 'string' || id === '') throw badRequest('Each batch request must have an id.');
    if (seen.has(id)) throw badRequest(`Batch request ids must be unique; '${id}' appears more than once.`);
    seen.add(id);
    if (typeof item.method !== 'string' || typeof item.url !== 'string')
      throw badRequest(`Batch request '${id}' must have a method and a url.`);
    const headers: Record<string, string> = {};
    if (item.headers && typeof item.headers === 'object') {
      for (const [name, value] of Object.entries(item.headers as Record<string, unknown>))
        headers[name.toLowerCase()] = String(value);
    }
    const hasBody = item.body !== undefined && item.body !== null;
    const body = !hasBody
      ? Buffer.alloc(0)
      : typeof item.body === 'string'
        ? Buffer.from(item.body, 'utf8')
        : Buffer.from(JSON.stringify(item.body), 'utf8');
    const dependsOn = Array.isArray(item.dependsOn) ? item.dependsOn.map(String) : [];
    return { id, method: item.method.toUpperCase(), url: item.url, headers, body, hasBody, dependsOn };
  });
  const ids = new Set(steps.map((step) => step.id));
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (!ids.has(dependency))
        throw badRequest(`Request '${step.id}' depends on '${dependency}', which is not in the batch.`);
    }
  }
  // Reject dependency cycles up front: they could never run.
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(steps.map((step) => [step.id, step]));
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw badRequest(`Batch request dependencies form a cycle through '${id}'.`);
    state.set(id, 'visiting');
    for (const dependency of byId.get(id)?.dependsOn ?? []) visit(dependency);
    state.set(id, 'done');
  };
  for (const step of steps) visit(step.id);
  return steps;
}

/** Executes a batch; `dispatch` runs an inner step, `ids` supply the error bodies' request ids. */
export async function runBatch(
  request: GraphRequest,
  dispatch: StepDispatcher,
  ids: { requestId: string; clientRequestId: string; now: () => Date },
): Promise<GraphResponse> {
  const steps = parseSteps(request);
  const results = new Map<string, Promise<BatchStepResponse>>();
  const byId = new Map(steps.map((step) => [step.id, step]));

  const run = (step: BatchStep): Promise<BatchStepResponse> => {
    const existing = results.get(step.id);
    if (existing) return existing;
    const promise = (async (): Promise<BatchStepResponse> => {
      const dependencies = await Promise.all(step.dependsOn.map((id) => run(byId.get(id) as BatchStep)));
      const failed = dependencies.find((dependency) => dependency.status >= 400);
      if (failed) {
        return {
          id: step.id,
          status: 424,
          headers: { 'Content-Type': GRAPH_JSON_CONTENT_TYPE },
          body: errorBody(
            'FailedDependency',
            `The request was not run because request '${failed.id}' it depends on failed.`,
            ids.requestId,
            ids.clientRequestId,
            ids.now(),
          ),
        };
      }
      if (WRITE_METHODS.has(step.method) && (!step.hasBody || step.headers['content-type'] === undefined)) {
        return {
          id: step.id,
          status: 400,
          headers: { 'Content-Type': GRAPH_JSON_CONTENT_TYPE },
          body: errorBody(
            'BadRequest',
            `Write request id : ${step.id} does not contain Content-Type header or body.`,
            ids.requestId,
            ids.clientRequestId,
            ids.now(),
          ),
        };
      }
      const response = await dispatch(step);
      const headers = { ...(response.headers ?? {}) };
      const result: BatchStepResponse = { id: step.id, status: response.status, headers };
      if (response.body !== undefined) result.body = response.body;
      else if (response.text !== undefined) result.body = response.text;
      return result;
    })();
    results.set(step.id, promise);
    return promise;
  };

  const responses = await Promise.all(steps.map(run));
  return { status: 200, body: { responses } };
}
