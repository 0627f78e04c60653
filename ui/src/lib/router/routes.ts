/** The app's pages by path: `/runs/abc` is the run page for run `abc`. */

export type Route =
  | { page: 'login'; next: string }
  | { page: 'runs' }
  | { page: 'new' }
  | { page: 'run'; id: string }
  | { page: 'missing'; path: string };

export function matchRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/runs') return { page: 'runs' };
  if (path === '/login') {
    const next = new URLSearchParams(search).get('next');
    return { page: 'login', next: next && next.startsWith('/') && !next.startsWith('//') ? next : '/runs' };
  }
  if (path === '/runs/new') return { page: 'new' };
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run?.[1]) return { page: 'run', id: decodeURIComponent(run[1]) };
  return { page: 'missing', path };
}

export const paths = {
  runs: '/runs',
  newRun: '/runs/new',
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  login: (next?: string) => (next ? `/login?next=${encodeURIComponent(next)}` : '/login'),
};
