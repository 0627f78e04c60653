/** Session: who is signed in, read from `GET /auth/me`, and signing in and out. */

import { api } from '../api/endpoints';
import type { User } from '../api/types';

export type SessionStatus = 'checking' | 'signed-in' | 'signed-out' | 'unreachable';

export class Session {
  user = $state<User | null>(null);
  status = $state<SessionStatus>('checking');

  async load(): Promise<void> {
    try {
      this.user = await api.me();
      this.status = this.user ? 'signed-in' : 'signed-out';
    } catch {
      this.status = 'unreachable';
    }
  }

  async login(username: string, password: string): Promise<void> {
    this.user = await api.login(username, password);
    this.status = 'signed-in';
  }

  async logout(): Promise<void> {
    try {
      await api.logout();
    } finally {
      this.signedOut();
    }
  }

  /** The server no longer knows this session (it expired, or the person signed out elsewhere). */
  signedOut(): void {
    this.user = null;
    this.status = 'signed-out';
  }
}
