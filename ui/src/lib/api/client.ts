/**
 * The HTTP client, typed from the OpenAPI document by openapi-fetch. It sends the session
 * cookie, adds the CSRF header to unsafe requests, and reports a lost session once.
 */

import createClient, { type Middleware } from 'openapi-fetch';
import { CSRF_HEADER, csrfToken, isUnsafe } from './csrf';
import type { paths } from './schema';

let onSignedOut: (() => void) | null = null;

/** Called when a request is answered 401: the session expired or was never there. */
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

const session: Middleware = {
  onRequest({ request }) {
    const token = csrfToken();
    if (token && isUnsafe(request.method)) request.headers.set(CSRF_HEADER, token);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/auth/login')) onSignedOut?.();
    return response;
  },
};

export const http = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
http.use(session);
