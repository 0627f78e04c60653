/**
 * A run's events, as `GET /runs/{id}/events` sends them, and how each one changes the run.
 *
 * `applyEvent` is a pure reducer: the run as it was plus one event gives the run as it is.
 * State events are numbered (`seq`); one already applied (a replay after reconnecting) is
 * ignored. Progress events count only for the attempt they came from and only while the
 * step is still running, so a late report never moves a finished step backwards.
 */

import type { Run, RunState, StepRun, StepState } from '../api/types';
import { RUN_STATES } from '../display/runStates';
import { STEP_STATES } from '../display/stepStates';
import { pendingStep } from '../graph/nodeSummaries';

export interface RunStateEvent {
  kind: 'run';
  seq: number;
  state: RunState;
  message?: string | null;
  at?: number;
}

export interface StepStateEvent {
  kind: 'step';
  seq: number;
  state: StepState;
  node: string;
  map_index?: number | null;
  attempt?: number | null;
  message?: string | null;
  at?: number;
}

export interface ProgressEvent {
  kind: 'progress';
  node: string;
  map_index?: number | null;
  attempt: number;
  fraction?: number | null;
  message?: string | null;
  done?: number;
  total?: number | null;
  at?: number;
}

export type RunEvent = RunStateEvent | StepStateEvent | ProgressEvent;

/** The run as it is, and the newest state event applied to it. */
export interface FeedState {
  run: Run;
  seq: number;
}

/** Where a stream id (`12-0`, `12-3`) says a client is: the seq of the last state event. */
export function seqOfEventId(eventId: string | null | undefined): number {
  const seq = Number.parseInt((eventId ?? '').split('-')[0] ?? '', 10);
  return Number.isFinite(seq) ? seq : 0;
}

export function applyEvent(state: FeedState, event: RunEvent): FeedState {
  if (event.kind === 'progress') return { ...state, run: applyProgress(state.run, event) };
  if (event.seq <= state.seq) return state;
  const run = event.kind === 'run' ? applyRunState(state.run, event) : applyStepState(state.run, event);
  return { run, seq: event.seq };
}

function isoAt(at: number | undefined): string {
  return new Date(at === undefined ? Date.now() : at * 1000).toISOString();
}

function applyRunState(run: Run, event: RunStateEvent): Run {
  const look = RUN_STATES[event.state];
  const reopened = event.state === 'PENDING' && RUN_STATES[run.state].terminal;
  return {
    ...run,
    state: event.state,
    started_at: event.state === 'RUNNING' ? (run.started_at ?? isoAt(event.at)) : run.started_at,
    finished_at: look.terminal ? isoAt(event.at) : reopened ? null : run.finished_at,
    error:
      look.terminal && event.state !== 'COMPLETED'
        ? (event.message ?? run.error)
        : reopened
          ? null
          : run.error,
    cancel_requested: reopened ? false : run.cancel_requested,
  };
}

function sameStep(step: StepRun, node: string, mapIndex: number | null): boolean {
  return step.node === node && step.map_index === mapIndex;
}

function newStep(run: Run, node: string, mapIndex: number | null): StepRun {
  const dagNode = run.dag.nodes.find((n) => n.key === node);
  return pendingStep(dagNode ?? { key: node, step: node }, mapIndex);
}

function applyStepState(run: Run, event: StepStateEvent): Run {
  const mapIndex = event.map_index ?? null;
  const index = run.steps.findIndex((s) => sameStep(s, event.node, mapIndex));
  const before = index >= 0 ? run.steps[index]! : newStep(run, event.node, mapIndex);
  const attempt = event.attempt ?? before.attempt;
  const look = STEP_STATES[event.state];
  const failed = event.state === 'FAILED' || event.state === 'SKIPPED';
  const after: StepRun = {
    ...before,
    state: event.state,
    attempt,
    fraction:
      event.state === 'COMPLETED' || event.state === 'CACHED'
        ? 1
        : attempt !== before.attempt || event.state === 'PENDING'
          ? null
          : before.fraction,
    message: failed ? before.message : (event.message ?? (event.state === 'PENDING' ? null : before.message)),
    error: failed ? (event.message ?? before.error) : event.state === 'PENDING' ? null : before.error,
    started_at:
      event.state === 'RUNNING' && (before.started_at === null || attempt !== before.attempt)
        ? isoAt(event.at)
        : event.state === 'PENDING'
          ? null
          : before.started_at,
    finished_at: look.terminal ? isoAt(event.at) : null,
  };
  const steps = index >= 0 ? run.steps.with(index, after) : [...run.steps, after];
  return { ...run, steps };
}

function applyProgress(run: Run, event: ProgressEvent): Run {
  const mapIndex = event.map_index ?? null;
  const index = run.steps.findIndex((s) => sameStep(s, event.node, mapIndex));
  const step = index >= 0 ? run.steps[index]! : null;
  if (!step || step.attempt !== event.attempt || STEP_STATES[step.state].terminal) return run;
  const updated: StepRun = {
    ...step,
    fraction: event.fraction ?? step.fraction,
    message: event.message ?? step.message,
  };
  return { ...run, steps: run.steps.with(index, updated) };
}

/** The share of the run's work done: finished steps count whole, running ones by progress. */
export function runProgress(run: Pick<Run, 'steps' | 'state'>): number {
  if (run.state === 'COMPLETED') return 1;
  const own = run.steps.filter((s) => s.map_index === null);
  if (own.length === 0) return 0;
  let done = 0;
  for (const step of own) {
    if (STEP_STATES[step.state].terminal) done += 1;
    else if (step.state === 'RUNNING') done += step.fraction ?? 0;
  }
  return done / own.length;
}
