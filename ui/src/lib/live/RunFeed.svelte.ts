/**
 * RunFeed: one run, kept current. It owns the run's event stream (EventSource, which resumes
 * with Last-Event-ID), re-reads the run over REST whenever the stream cannot simply resume
 * (so a long outage costs one request, not a replay), and keeps a short history of what
 * happened. Pages call `listen()` on mount; it returns the function that stops everything.
 */

import type { Run } from '../api/types';
import { RUN_STATES } from '../display/runStates';
import { applyEvent, seqOfEventId, type FeedState, type RunEvent } from './runEvents';

/** `live`: events arrive; `reconnecting`: the stream dropped; `ended`: the run is over. */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'ended';

/** What a RunFeed needs from the outside world: the REST read and the event stream. */
export interface RunFeedSource {
  loadRun(id: string): Promise<Run>;
  openEvents(id: string, lastEventId: string): EventSource;
}

export interface HistoryEntry {
  at: number;
  event: RunEvent;
}

/** The run could not be read at all (not found, not yours): nothing to retry. */
export class RunUnavailable extends Error {}

const HISTORY_LIMIT = 200;
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000];
const CLOSED = 2; // EventSource.CLOSED
const STREAM_EVENTS = ['run', 'step', 'progress'] as const;

export class RunFeed {
  run = $state<Run | null>(null);
  connection = $state<Connection>('connecting');
  /** Why the run cannot be shown (permanent), or null. */
  failure = $state<string | null>(null);
  history = $state<HistoryEntry[]>([]);

  readonly id: string;
  #source: RunFeedSource;
  #seq = 0;
  #lastEventId = '0';
  #events: EventSource | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  #stopped = false;

  constructor(id: string, source: RunFeedSource) {
    this.id = id;
    this.#source = source;
  }

  /** Start following the run; the returned function stops (pages call it on destroy). */
  listen(): () => void {
    this.#stopped = false;
    void this.#resync();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    this.#closeStream();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Read the run again now (after a command such as cancel or retry) and follow it. */
  refresh(): Promise<void> {
    this.#closeStream();
    return this.#resync();
  }

  async #resync(): Promise<void> {
    if (this.#stopped) return;
    let run: Run;
    try {
      run = await this.#source.loadRun(this.id);
    } catch (error) {
      if (error instanceof RunUnavailable) {
        this.failure = error.message;
        this.connection = 'ended';
        return;
      }
      this.#scheduleRetry();
      return;
    }
    if (this.#stopped) return;
    this.#failures = 0;
    this.run = run;
    this.#lastEventId = run.last_event_id;
    this.#seq = seqOfEventId(run.last_event_id);
    if (RUN_STATES[run.state].terminal) {
      this.connection = 'ended';
      return;
    }
    this.#openStream();
  }

  #openStream(): void {
    this.#closeStream();
    if (this.connection !== 'reconnecting') this.connection = 'connecting';
    const events = this.#source.openEvents(this.id, this.#lastEventId);
    this.#events = events;
    events.onopen = () => {
      this.#failures = 0;
      this.connection = 'live';
    };
    events.onerror = () => {
      if (this.#events !== events || this.#stopped) return;
      this.connection = 'reconnecting';
      // CONNECTING: the browser retries by itself, sending Last-Event-ID. CLOSED: it gave up
      // (an HTTP error, a proxy timeout): read the run again, then open a new stream.
      if (events.readyState === CLOSED) {
        this.#closeStream();
        this.#scheduleRetry();
      }
    };
    for (const kind of STREAM_EVENTS) {
      events.addEventListener(kind, (message) => this.#receive(message as MessageEvent<string>));
    }
    events.addEventListener('end', () => {
      this.#closeStream();
      void this.#finish();
    });
  }

  #receive(message: MessageEvent<string>): void {
    if (!this.run) return;
    let event: RunEvent;
    try {
      event = { ...JSON.parse(message.data), kind: message.type } as RunEvent;
    } catch {
      return;
    }
    if (message.lastEventId) this.#lastEventId = message.lastEventId;
    const before: FeedState = { run: this.run, seq: this.#seq };
    const after = applyEvent(before, event);
    if (after === before) return;
    this.run = after.run;
    this.#seq = after.seq;
    if (event.kind !== 'progress') {
      const entry = { at: event.at ? event.at * 1000 : Date.now(), event };
      this.history = [...this.history.slice(-(HISTORY_LIMIT - 1)), entry];
    }
    if (event.kind === 'run' && RUN_STATES[event.state].terminal) {
      this.#closeStream();
      void this.#finish();
    }
  }

  /** The run ended: read it once more for what events do not carry (its outputs). */
  async #finish(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.run = await this.#source.loadRun(this.id);
      this.connection = 'ended';
    } catch {
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer !== null) return;
    this.connection = 'reconnecting';
    const delay = RETRY_DELAYS_MS[Math.min(this.#failures, RETRY_DELAYS_MS.length - 1)]!;
    this.#failures += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#resync();
    }, delay);
  }

  #closeStream(): void {
    this.#events?.close();
    this.#events = null;
  }
}
