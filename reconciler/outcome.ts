// The one reading of a pass's result: its condition, the exit code of `apply`/`demo`, and what the
// loop does next. Every caller goes through outcomeOf, so they cannot disagree.
import type { Condition, ErrorKind, PassOutcome } from './pass-types.js';

export type NextPass = 'interval' | 'backoff' | 'wait-for-commit';

export interface Outcome {
  condition: Condition;
  /** 0 Ready, 1 Failed or Stalled, 3 transient (the live file is unchanged) */
  exitCode: 0 | 1 | 3;
  /** the loop waits the interval, except after a transient failure; wait-for-commit: automatic passes do not retry the same content */
  next: NextPass;
}

const OUTCOMES: Record<PassOutcome, Outcome> = {
  applied: { condition: 'Ready', exitCode: 0, next: 'interval' },
  unchanged: { condition: 'Ready', exitCode: 0, next: 'interval' },
  'drift-corrected': { condition: 'Ready', exitCode: 0, next: 'interval' },
  'dry-run': { condition: 'Ready', exitCode: 0, next: 'interval' },
  // a hand edit left in place: every interval looks again, a fix by hand ends it
  'drift-reported': { condition: 'Stalled', exitCode: 1, next: 'interval' },
  stalled: { condition: 'Stalled', exitCode: 1, next: 'wait-for-commit' },
  failed: { condition: 'Failed', exitCode: 1, next: 'wait-for-commit' },
  transient: { condition: 'Failed', exitCode: 3, next: 'backoff' },
  // Flux says Ready=Unknown (reason Suspended); we have no Unknown. Not Ready: a pending commit or
  // drift may be left as it is, so "live is what git says" would be a claim we cannot make. Not
  // Failed: nothing went wrong. Stalled is "no progress until a person acts" — here, `resume`.
  // The loop keeps its interval, so it goes on comparing and reporting.
  suspended: { condition: 'Stalled', exitCode: 1, next: 'interval' },
};

export function outcomeOf(result: PassOutcome | { result: PassOutcome }): Outcome {
  return OUTCOMES[typeof result === 'string' ? result : result.result];
}

const OF_ERROR: Record<ErrorKind, PassOutcome> = { transient: 'transient', stalled: 'stalled', failed: 'failed' };

/** The outcome of a pass that ended on an error of this kind. */
export function outcomeOfError(kind: ErrorKind): PassOutcome {
  return OF_ERROR[kind];
}
