/** How each step state looks: the one table every step badge, node and bar reads. */

import type { StepState } from '../api/types';

export interface StateLook {
  /** The word a person reads. */
  label: string;
  /** A CSS colour token, `--state-<tone>` in app.css. */
  tone: 'idle' | 'waiting' | 'active' | 'good' | 'bad' | 'muted';
  /** One glyph that still tells states apart without colour. */
  icon: string;
  /** The state is final for this attempt sequence. */
  terminal: boolean;
}

export const STEP_STATES: Record<StepState, StateLook> = {
  PENDING: { label: 'Pending', tone: 'idle', icon: '○', terminal: false },
  QUEUED: { label: 'Queued', tone: 'waiting', icon: '◔', terminal: false },
  RUNNING: { label: 'Running', tone: 'active', icon: '◑', terminal: false },
  RETRYING: { label: 'Retrying', tone: 'waiting', icon: '↻', terminal: false },
  COMPLETED: { label: 'Completed', tone: 'good', icon: '✓', terminal: true },
  CACHED: { label: 'Cached', tone: 'good', icon: '≡', terminal: true },
  FAILED: { label: 'Failed', tone: 'bad', icon: '✕', terminal: true },
  CANCELLED: { label: 'Cancelled', tone: 'muted', icon: '⊘', terminal: true },
  SKIPPED: { label: 'Skipped', tone: 'muted', icon: '↷', terminal: true },
};

export const STEP_STATE_NAMES = Object.keys(STEP_STATES) as StepState[];
