/**
 * RunList: your runs, newest first, kept current by polling `GET /runs`. It polls often only
 * while some run on screen is still moving, not at all while the tab is hidden, and at once
 * when the tab comes back; new runs and state changes appear without a reload. Each run comes
 * with how far it has got (`progress`), so the list needs no read per run to show it.
 */

import { errorMessage } from '../api/problems';
import type { RunPage, RunState, RunSummary } from '../api/types';
import { RUN_STATES } from '../display/runStates';

export interface RunFilters {
  flow: string | null;
  state: RunState | null;
}

export interface RunListSource {
  runs(query: RunFilters & { cursor?: string | null; limit?: number }): Promise<RunPage>;
}

const ACTIVE_POLL_MS = 2000;
const IDLE_POLL_MS = 10000;
const PAGE_SIZE = 25;

export class RunList {
  items = $state<RunSummary[]>([]);
  filters = $state<RunFilters>({ flow: null, state: null });
  status = $state<'loading' | 'ready' | 'failed'>('loading');
  /** Why the last poll failed; the list still shows what it had. */
  failure = $state<string | null>(null);
  nextCursor = $state<string | null>(null);
  /** Runs that appeared or changed state at the last poll, to draw the eye to them. */
  changed = $state<Set<string>>(new Set());

  #source: RunListSource;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #listening = false;
  #generation = 0;
  #polled = false;

  constructor(source: RunListSource, filters: Partial<RunFilters> = {}) {
    this.#source = source;
    this.filters = { flow: filters.flow ?? null, state: filters.state ?? null };
  }

  listen(): () => void {
    this.#listening = true;
    const onVisible = () => {
      if (document.visibilityState === 'visible') void this.refresh();
      else this.#clearTimer();
    };
    document.addEventListener('visibilitychange', onVisible);
    void this.refresh();
    return () => {
      this.#listening = false;
      this.#clearTimer();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  setFilters(filters: RunFilters): void {
    this.filters = filters;
    this.items = [];
    this.nextCursor = null;
    this.status = 'loading';
    this.#polled = false;
    void this.refresh();
  }

  /** Poll now: the first page, merged over what is shown. */
  async refresh(): Promise<void> {
    this.#clearTimer();
    const generation = ++this.#generation;
    try {
      const page = await this.#source.runs({ ...this.filters, limit: PAGE_SIZE });
      if (generation !== this.#generation) return;
      this.#merge(page);
      this.failure = null;
      this.status = 'ready';
    } catch (error) {
      if (generation !== this.#generation) return;
      this.failure = errorMessage(error);
      if (this.status === 'loading') this.status = 'failed';
    }
    this.#schedule();
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    try {
      const page = await this.#source.runs({ ...this.filters, cursor: this.nextCursor, limit: PAGE_SIZE });
      const known = new Set(this.items.map((r) => r.id));
      this.items = [...this.items, ...page.items.filter((r) => !known.has(r.id))];
      this.nextCursor = page.next_cursor;
    } catch (error) {
      this.failure = errorMessage(error);
    }
  }

  get moving(): RunSummary[] {
    return this.items.filter((run) => !RUN_STATES[run.state].terminal);
  }

  #merge(page: RunPage): void {
    const before = new Map(this.items.map((r) => [r.id, r.state]));
    const head = new Set(page.items.map((r) => r.id));
    const older = this.items.filter((r) => !head.has(r.id) && page.next_cursor !== null);
    const changed = new Set<string>();
    if (this.#polled) {
      for (const run of page.items) if (before.get(run.id) !== run.state) changed.add(run.id);
    }
    this.#polled = true;
    this.items = [...page.items, ...older];
    if (this.nextCursor === null || this.items.length <= PAGE_SIZE) this.nextCursor = page.next_cursor;
    this.changed = changed;
  }

  #schedule(): void {
    if (!this.#listening || document.visibilityState === 'hidden') return;
    const delay = this.moving.length > 0 || this.failure ? ACTIVE_POLL_MS : IDLE_POLL_MS;
    this.#timer = setTimeout(() => void this.refresh(), delay);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
