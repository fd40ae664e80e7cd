// How long the loop waits before its next pass: the interval with jitter after a pass that reached
// a verdict, or an exponential backoff after a transient failure (git unreachable, Asterisk down),
// so a PBX that is restarting is not hammered and comes back within minutes of recovering.

export interface BackoffPolicy {
  /** first wait after a transient failure */
  initialMs: number;
  /** the wait never grows beyond this */
  maxMs: number;
  /** each further failure multiplies the wait by this */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, factor: 2 };

/** Counts consecutive transient failures; `reset()` after any pass that was not transient. */
export class Backoff {
  #failures = 0;
  constructor(readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {
    if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs) || !(policy.factor >= 1)) {
      throw new RangeError('backoff: need initialMs > 0, maxMs >= initialMs and factor >= 1');
    }
  }

  /** consecutive transient failures so far */
  get failures(): number {
    return this.#failures;
  }

  /** the wait after one more transient failure: initial, initial×factor, … capped at maxMs */
  next(): number {
    const { initialMs, maxMs, factor } = this.policy;
    const wait = Math.min(maxMs, initialMs * factor ** this.#failures);
    this.#failures += 1;
    return Math.round(wait);
  }

  reset(): void {
    this.#failures = 0;
  }
}

/**
 * The interval with ± jitter, uniformly spread, so many PBXs on one Git server do not fetch in
 * step. The spread is at most the interval itself, so the wait is never negative.
 */
export function jitteredInterval(intervalMs: number, jitterMs: number, random: () => number = Math.random): number {
  const spread = Math.max(0, Math.min(jitterMs, intervalMs));
  const wait = intervalMs + (random() * 2 - 1) * spread;
  return Math.max(0, Math.round(wait));
}
