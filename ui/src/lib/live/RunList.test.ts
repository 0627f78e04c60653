import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunPage, RunSummary } from '../api/types';
import { pendingRun } from '../../fixtures/runs';
import { RunList, type RunListSource } from './RunList.svelte';

function summary(id: string, state: RunSummary['state']): RunSummary {
  const {
    params: _p,
    dag: _d,
    steps: _s,
    inputs: _i,
    outputs: _o,
    last_event_id: _l,
    ...rest
  } = pendingRun();
  return { ...rest, id, state };
}

function scripted(pages: RunPage[]) {
  const queries: unknown[] = [];
  const source: RunListSource = {
    runs: vi.fn(async (query) => {
      queries.push(query);
      return pages.length > 1 ? pages.shift()! : pages[0]!;
    }),
  };
  return { source, queries };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('RunList', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows new runs and state changes at the next poll, and flags what changed', async () => {
    const { source } = scripted([
      { items: [summary('a', 'RUNNING')], next_cursor: null },
      { items: [summary('b', 'PENDING'), summary('a', 'COMPLETED')], next_cursor: null },
    ]);
    const list = new RunList(source);
    list.listen();
    await settle();
    expect(list.items.map((r) => r.id)).toEqual(['a']);
    expect(list.changed.size).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(list.items.map((r) => [r.id, r.state])).toEqual([
      ['b', 'PENDING'],
      ['a', 'COMPLETED'],
    ]);
    expect([...list.changed].sort()).toEqual(['a', 'b']);
  });

  it('polls slowly once every run on screen has ended, and not at all after stopping', async () => {
    const { source } = scripted([{ items: [summary('a', 'COMPLETED')], next_cursor: null }]);
    const list = new RunList(source);
    const stop = list.listen();
    await settle();
    await vi.advanceTimersByTimeAsync(2000);
    expect(source.runs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(8000);
    expect(source.runs).toHaveBeenCalledTimes(2);
    stop();
    await vi.advanceTimersByTimeAsync(60000);
    expect(source.runs).toHaveBeenCalledTimes(2);
  });

  it('asks for the chosen flow and state, starting again from the first page', async () => {
    const { source, queries } = scripted([{ items: [], next_cursor: null }]);
    const list = new RunList(source);
    list.listen();
    await settle();
    list.setFilters({ flow: 'image.correct', state: 'FAILED' });
    await settle();
    expect(queries[queries.length - 1]).toMatchObject({ flow: 'image.correct', state: 'FAILED' });
    expect(list.status).toBe('ready');
  });

  it('keeps showing the last runs seen while the server cannot be reached', async () => {
    const { source } = scripted([{ items: [summary('a', 'RUNNING')], next_cursor: null }]);
    const list = new RunList(source);
    list.listen();
    await settle();
    vi.mocked(source.runs).mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(list.items).toHaveLength(1);
    expect(list.failure).toMatch(/cannot be reached/);
    await vi.advanceTimersByTimeAsync(2000);
    expect(list.failure).toBeNull();
  });
});
