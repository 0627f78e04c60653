import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../api/types';
import { pendingRun } from '../../fixtures/runs';
import { RunFeed, RunUnavailable, type RunFeedSource } from './RunFeed.svelte';

/** An EventSource the test drives: it opens, sends named events, and fails on request. */
class ScriptedEvents {
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  #listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly lastEventId: string) {}
  addEventListener(type: string, listener: (e: MessageEvent) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  send(type: string, data: object, id: string): void {
    const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id });
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
  drop(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.();
  }
}

function source(runs: (() => Run)[]) {
  const streams: ScriptedEvents[] = [];
  const reads = vi.fn(async () => {
    const next = runs.length > 1 ? runs.shift()! : runs[0]!;
    return next();
  });
  const feedSource: RunFeedSource = {
    loadRun: reads,
    openEvents: (_id, lastEventId) => {
      const stream = new ScriptedEvents(lastEventId);
      streams.push(stream);
      return stream as unknown as EventSource;
    },
  };
  return { feedSource, streams, reads };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('RunFeed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads the run, then follows its stream from the snapshot position', async () => {
    const { feedSource, streams } = source([() => pendingRun()]);
    const feed = new RunFeed('r1', feedSource);
    feed.listen();
    await settle();
    expect(streams[0]?.lastEventId).toBe('2-0');
    streams[0]!.open();
    expect(feed.connection).toBe('live');
    streams[0]!.send('step', { seq: 3, kind: 'step', node: 'decode', state: 'RUNNING', attempt: 1 }, '3-0');
    expect(feed.run?.steps[0]?.state).toBe('RUNNING');
    expect(feed.history).toHaveLength(1);
  });

  it('says it is reconnecting when the stream drops, and resumes after the last event seen', async () => {
    const { feedSource, streams, reads } = source([
      () => pendingRun(),
      () => pendingRun({ state: 'RUNNING', last_event_id: '5-0' }),
    ]);
    const feed = new RunFeed('r1', feedSource);
    feed.listen();
    await settle();
    streams[0]!.open();
    streams[0]!.send('run', { seq: 3, kind: 'run', state: 'RUNNING' }, '3-0');
    streams[0]!.drop(false);
    expect(feed.connection).toBe('reconnecting');
    expect(streams).toHaveLength(1); // the browser itself retries with Last-Event-ID
    streams[0]!.drop(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toHaveBeenCalledTimes(2);
    expect(streams[1]?.lastEventId).toBe('5-0');
    streams[1]!.open();
    expect(feed.connection).toBe('live');
  });

  it('reads the run once more when it ends, for its outputs, and closes the stream', async () => {
    const finished = pendingRun({ state: 'COMPLETED', last_event_id: '30-0' });
    const { feedSource, streams } = source([() => pendingRun(), () => finished]);
    const feed = new RunFeed('r1', feedSource);
    feed.listen();
    await settle();
    streams[0]!.open();
    streams[0]!.send('run', { seq: 3, kind: 'run', state: 'COMPLETED' }, '3-0');
    await settle();
    expect(streams[0]!.closed).toBe(true);
    expect(feed.connection).toBe('ended');
    expect(feed.run).toEqual(finished);
  });

  it('opens no stream for a run that has already ended', async () => {
    const { feedSource, streams } = source([() => pendingRun({ state: 'FAILED' })]);
    const feed = new RunFeed('r1', feedSource);
    feed.listen();
    await settle();
    expect(streams).toHaveLength(0);
    expect(feed.connection).toBe('ended');
  });

  it('keeps trying while the API is unreachable, and gives up on a run that does not exist', async () => {
    let calls = 0;
    const flaky: RunFeedSource = {
      loadRun: async () => {
        calls += 1;
        if (calls < 3) throw new TypeError('Failed to fetch');
        throw new RunUnavailable('No run r1.');
      },
      openEvents: () => {
        throw new Error('not reached');
      },
    };
    const feed = new RunFeed('r1', flaky);
    feed.listen();
    await settle();
    expect(feed.connection).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(5000);
    expect(feed.failure).toBe('No run r1.');
    expect(feed.connection).toBe('ended');
  });

  it('stops reading and streaming when the page goes away', async () => {
    const { feedSource, streams } = source([() => pendingRun()]);
    const feed = new RunFeed('r1', feedSource);
    const stop = feed.listen();
    await settle();
    stop();
    expect(streams[0]!.closed).toBe(true);
  });
});
