import { describe, expect, it } from 'vitest';
import { pendingRun } from '../../fixtures/runs';
import { applyEvent, runProgress, seqOfEventId, type FeedState } from './runEvents';

const start = (): FeedState => ({ run: pendingRun(), seq: 2 });
const stepOf = (state: FeedState, node: string, mapIndex: number | null = null) =>
  state.run.steps.find((s) => s.node === node && s.map_index === mapIndex);

describe('applyEvent', () => {
  it('moves a step through its states, taking its attempt and times from the events', () => {
    let state = start();
    state = applyEvent(state, { kind: 'step', seq: 3, node: 'decode', state: 'QUEUED', attempt: 1, at: 100 });
    state = applyEvent(state, {
      kind: 'step',
      seq: 4,
      node: 'decode',
      state: 'RUNNING',
      attempt: 1,
      at: 101,
    });
    expect(stepOf(state, 'decode')).toMatchObject({
      state: 'RUNNING',
      attempt: 1,
      started_at: new Date(101_000).toISOString(),
    });
    state = applyEvent(state, {
      kind: 'step',
      seq: 5,
      node: 'decode',
      state: 'COMPLETED',
      attempt: 1,
      at: 103,
    });
    expect(stepOf(state, 'decode')).toMatchObject({
      state: 'COMPLETED',
      fraction: 1,
      finished_at: new Date(103_000).toISOString(),
    });
    expect(state.seq).toBe(5);
  });

  it('ignores a state event it has already applied, as a replay after reconnecting sends', () => {
    const state = applyEvent(start(), { kind: 'step', seq: 3, node: 'decode', state: 'RUNNING', attempt: 1 });
    const replayed = applyEvent(state, { kind: 'step', seq: 2, node: 'decode', state: 'QUEUED', attempt: 1 });
    expect(replayed).toBe(state);
  });

  it('applies progress of the current attempt only, and never to a finished step', () => {
    let state = applyEvent(start(), { kind: 'step', seq: 3, node: 'decode', state: 'RUNNING', attempt: 2 });
    state = applyEvent(state, {
      kind: 'progress',
      node: 'decode',
      attempt: 1,
      fraction: 0.9,
      message: 'old',
    });
    expect(stepOf(state, 'decode')?.fraction).toBeNull();
    state = applyEvent(state, {
      kind: 'progress',
      node: 'decode',
      attempt: 2,
      fraction: 0.5,
      message: 'rows 50/100',
    });
    expect(stepOf(state, 'decode')).toMatchObject({ fraction: 0.5, message: 'rows 50/100' });
    state = applyEvent(state, { kind: 'step', seq: 4, node: 'decode', state: 'COMPLETED', attempt: 2 });
    state = applyEvent(state, { kind: 'progress', node: 'decode', attempt: 2, fraction: 0.7 });
    expect(stepOf(state, 'decode')?.fraction).toBe(1);
  });

  it('keeps the reason a step failed, and clears it when a retried run resets the step', () => {
    let state = applyEvent(start(), {
      kind: 'step',
      seq: 3,
      node: 'decode',
      state: 'FAILED',
      attempt: 1,
      message: 'image file is truncated',
    });
    expect(stepOf(state, 'decode')).toMatchObject({ state: 'FAILED', error: 'image file is truncated' });
    state = applyEvent(state, { kind: 'step', seq: 4, node: 'decode', state: 'PENDING' });
    expect(stepOf(state, 'decode')).toMatchObject({ state: 'PENDING', error: null, finished_at: null });
  });

  it('starts a fresh attempt from no progress when a step is retried', () => {
    let state = applyEvent(start(), { kind: 'step', seq: 3, node: 'decode', state: 'RUNNING', attempt: 1 });
    state = applyEvent(state, { kind: 'progress', node: 'decode', attempt: 1, fraction: 0.6 });
    state = applyEvent(state, {
      kind: 'step',
      seq: 4,
      node: 'decode',
      state: 'RETRYING',
      attempt: 1,
      message: 'timed out',
    });
    state = applyEvent(state, { kind: 'step', seq: 5, node: 'decode', state: 'RUNNING', attempt: 2 });
    expect(stepOf(state, 'decode')).toMatchObject({ state: 'RUNNING', attempt: 2, fraction: null });
  });

  it('adds map branches as they appear', () => {
    const state = applyEvent(start(), {
      kind: 'step',
      seq: 3,
      node: 'resize',
      map_index: 4,
      state: 'QUEUED',
      attempt: 1,
    });
    expect(stepOf(state, 'resize', 4)).toMatchObject({
      label: 'resize[4]',
      state: 'QUEUED',
      step: 'image.resize',
    });
    expect(stepOf(state, 'resize')?.state).toBe('PENDING');
  });

  it('finishes the run with its reason, and reopens it on retry', () => {
    let state = applyEvent(start(), { kind: 'run', seq: 3, state: 'RUNNING', at: 10 });
    state = applyEvent(state, {
      kind: 'run',
      seq: 4,
      state: 'FAILED',
      message: "step 'decode' failed",
      at: 12,
    });
    expect(state.run).toMatchObject({
      state: 'FAILED',
      error: "step 'decode' failed",
      finished_at: new Date(12_000).toISOString(),
    });
    state = applyEvent(state, { kind: 'run', seq: 5, state: 'PENDING' });
    expect(state.run).toMatchObject({ state: 'PENDING', error: null, finished_at: null });
  });
});

describe('runProgress', () => {
  it('counts finished steps whole and running steps by their progress', () => {
    let state = applyEvent(start(), { kind: 'step', seq: 3, node: 'decode', state: 'COMPLETED', attempt: 1 });
    state = applyEvent(state, { kind: 'step', seq: 4, node: 'resize', state: 'RUNNING', attempt: 1 });
    state = applyEvent(state, { kind: 'progress', node: 'resize', attempt: 1, fraction: 0.5 });
    expect(runProgress(state.run)).toBeCloseTo(1.5 / 7);
  });
});

describe('seqOfEventId', () => {
  it('reads the state sequence from a stream id', () => {
    expect(seqOfEventId('12-0')).toBe(12);
    expect(seqOfEventId('12-3')).toBe(12);
    expect(seqOfEventId('')).toBe(0);
  });
});
