/**
 * Navigation: the current location as reactive state, history-API navigation, and links
 * inside the app followed without reloading the page.
 */

import { matchRoute, type Route } from './routes';

export class Navigation {
  pathname = $state(location.pathname);
  search = $state(location.search);
  route: Route = $derived(matchRoute(this.pathname, this.search));

  go(to: string, options: { replace?: boolean } = {}): void {
    const url = new URL(to, location.href);
    if (options.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    this.#sync();
    window.scrollTo({ top: 0 });
  }

  /** Follow back/forward and in-app link clicks; returns the function that stops. */
  listen(): () => void {
    const onPop = () => this.#sync();
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a');
      if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
      const url = new URL(anchor.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
      event.preventDefault();
      this.go(url.pathname + url.search + url.hash);
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }

  #sync(): void {
    this.pathname = location.pathname;
    this.search = location.search;
  }
}
