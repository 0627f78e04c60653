/**
 * ApiError: a refused or failed request, with the sentence to show a person. The API answers
 * every error with an RFC 9457 problem document (`title`, `detail`, and `errors` per field).
 */

import type { Problem } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, fallback: string) {
    super(describeProblem(problem) ?? fallback);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

function describeProblem(problem: Problem | null): string | null {
  if (!problem) return null;
  const fields = (problem.errors ?? [])
    .map((e) => `${e.loc.filter((part) => part !== 'body').join('.')}: ${e.msg}`)
    .join('; ');
  const detail = problem.detail || problem.title;
  return fields && !detail.includes(fields) ? `${detail} (${fields})` : detail;
}

export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && 'status' in body && 'title' in body;
}

/** The sentence for any thrown value: an ApiError's, or a network failure's. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection.';
  return error instanceof Error ? error.message : String(error);
}
