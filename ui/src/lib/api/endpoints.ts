/**
 * Every API operation the UI calls, as one typed function each. Pages and live owners call
 * these; components never do. A refusal is thrown as an ApiError carrying the problem.
 */

import { http } from './client';
import { ApiError, isProblem } from './problems';
import type { Dag, Flow, Run, RunPage, RunState, RunSubmit, User } from './types';

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer, or the problem thrown as an ApiError. */
async function body<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) {
    throw new ApiError(
      response.status,
      isProblem(error) ? error : null,
      `The server answered ${response.status} ${response.statusText}.`,
    );
  }
  return data;
}

async function empty(call: Promise<Answer<unknown>>): Promise<void> {
  const { error, response } = await call;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      isProblem(error) ? error : null,
      `The server answered ${response.status}.`,
    );
  }
}

export const api = {
  /** The person signed in, or null. */
  async me(): Promise<User | null> {
    const { data, response } = await http.GET('/api/v1/auth/me');
    if (response.status === 401) return null;
    if (!data) throw new ApiError(response.status, null, `The server answered ${response.status}.`);
    return data;
  },
  login(username: string, password: string): Promise<User> {
    return body(http.POST('/api/v1/auth/login', { body: { username, password } }));
  },
  logout(): Promise<void> {
    return empty(http.POST('/api/v1/auth/logout'));
  },
  flows(): Promise<Flow[]> {
    return body(http.GET('/api/v1/flows'));
  },
  plan(flow: string, version: number, params: Record<string, unknown>, signal?: AbortSignal): Promise<Dag> {
    return body(
      http.POST('/api/v1/flows/{name}/plan', {
        params: { path: { name: flow } },
        body: { version, params },
        signal,
      }),
    );
  },
  submitRun(submit: RunSubmit): Promise<Run> {
    return body(http.POST('/api/v1/runs', { body: submit }));
  },
  runs(filters: {
    flow?: string | null;
    state?: RunState | null;
    cursor?: string | null;
    limit?: number;
  }): Promise<RunPage> {
    return body(http.GET('/api/v1/runs', { params: { query: filters } }));
  },
  run(id: string): Promise<Run> {
    return body(http.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: id } } }));
  },
  cancelRun(id: string): Promise<Run> {
    return body(http.POST('/api/v1/runs/{run_id}/cancel', { params: { path: { run_id: id } } }));
  },
  retryRun(id: string): Promise<Run> {
    return body(http.POST('/api/v1/runs/{run_id}/retry', { params: { path: { run_id: id } } }));
  },
  rerunRun(id: string): Promise<Run> {
    return body(http.POST('/api/v1/runs/{run_id}/rerun', { params: { path: { run_id: id } } }));
  },
};

/** Where a run's events stream from; EventSource adds Last-Event-ID itself on reconnects. */
export function runEventsUrl(id: string, lastEventId: string): string {
  const query = lastEventId && lastEventId !== '0' ? `?last_event_id=${encodeURIComponent(lastEventId)}` : '';
  return `/api/v1/runs/${encodeURIComponent(id)}/events${query}`;
}

export function assetContentUrl(assetId: string): string {
  return `/api/v1/assets/${encodeURIComponent(assetId)}/content`;
}
