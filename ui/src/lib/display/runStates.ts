/** How each run state looks: the one table every run badge, row and filter reads. */

import type { RunState } from '../api/types';
import type { StateLook } from './stepStates';

export const RUN_STATES: Record<RunState, StateLook> = {
  SCHEDULED: { label: 'Scheduled', tone: 'idle', icon: '◷', terminal: false },
  PENDING: { label: 'Pending', tone: 'waiting', icon: '○', terminal: false },
  RUNNING: { label: 'Running', tone: 'active', icon: '◑', terminal: false },
  COMPLETED: { label: 'Completed', tone: 'good', icon: '✓', terminal: true },
  FAILED: { label: 'Failed', tone: 'bad', icon: '✕', terminal: true },
  CANCELLED: { label: 'Cancelled', tone: 'muted', icon: '⊘', terminal: true },
  CRASHED: { label: 'Crashed', tone: 'bad', icon: '⚠', terminal: true },
};

export const RUN_STATE_NAMES = Object.keys(RUN_STATES) as RunState[];
