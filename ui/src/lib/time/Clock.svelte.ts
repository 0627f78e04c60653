/** Clock: the current time as reactive state, ticking while something on screen runs. */

export class Clock {
  now = $state(Date.now());

  /** Tick every `intervalMs` until the returned function is called. */
  listen(intervalMs = 1000): () => void {
    const timer = setInterval(() => (this.now = Date.now()), intervalMs);
    return () => clearInterval(timer);
  }
}
