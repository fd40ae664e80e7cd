// Every failure of a pass, sorted by what happens next: transient → retry with backoff; stalled →
// wait for a new commit (or a fix on the host); failed → the change was rolled back, a new commit
// or a human is needed. This is the one place that turns raw git/child-process output into those.
import type { ExecResult } from './target.js';

export type ErrorKind = 'transient' | 'stalled' | 'failed';

/** Stable reason codes: status files, metrics and alerts match on them; never rename one. */
export type Reason =
  | 'Applied' | 'Unchanged' | 'DriftCorrected' | 'DriftDetected' | 'DryRun'
  | 'FetchFailed' | 'SourceMissing' | 'SignatureInvalid' | 'CompileFailed' | 'SecretsUnresolved'
  | 'GuardRefused' | 'TransportMissing' | 'CodecUntranslatable'
  | 'AsteriskUnreachable' | 'AsteriskTimeout' | 'AsteriskBooting' | 'ReloadInProgress'
  | 'ReloadCommandUnknown' | 'ReloadModuleMissing' | 'ReloadFailed' | 'VerifyFailed'
  | 'WriteFailed' | 'TargetUnreachable' | 'Internal';

export class PassError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
    this.name = 'PassError';
  }
}

export const transient = (reason: Reason, message: string) => new PassError('transient', reason, message);
export const stalled = (reason: Reason, message: string) => new PassError('stalled', reason, message);
export const failed = (reason: Reason, message: string) => new PassError('failed', reason, message);

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A git fetch/clone error: always transient, the last good config stays live. */
export function fetchError(err: unknown, repo: string): PassError {
  const text = messageOf(err).trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return transient('FetchFailed', `cannot fetch ${repo}: ${text || 'git failed'}; keeping the live file`);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/**
 * The trouble in an `asterisk -rx` answer that stops us from trusting it, or null when Asterisk
 * answered. `asterisk -rx` exits 0 whenever it reached Asterisk, even for `No such command`.
 */
export function asteriskExecError(r: ExecResult, what: string): PassError | null {
  if (r.timedOut) return transient('AsteriskTimeout', `${what}: no answer from Asterisk before the timeout; the command was killed`);
  const out = `${r.stdout}\n${r.stderr}`;
  if (/Unable to connect to remote asterisk/i.test(out) || (r.code !== 0 && r.code !== null)) {
    const detail = firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${String(r.code)}`;
    return transient('AsteriskUnreachable', `${what}: Asterisk is not reachable (${detail})`);
  }
  if (r.code === null) return transient('AsteriskUnreachable', `${what}: the Asterisk CLI was killed by a signal`);
  if (/No such command/i.test(out)) {
    return failed('ReloadCommandUnknown', `${what}: Asterisk does not know the command (${firstLine(r.stdout)}); check asterisk.cli / asterisk.reload in the config`);
  }
  return null;
}

/** Classify the reload answer: only `reloaded successfully` counts, never the exit code alone. */
export function reloadError(r: ExecResult): PassError | null {
  const err = asteriskExecError(r, 'reload');
  if (err) return err;
  const out = `${r.stdout}\n${r.stderr}`;
  if (/reloaded successfully/i.test(out)) return null;
  if (/No such module/i.test(out)) {
    return failed('ReloadModuleMissing', `reload: ${firstLine(r.stdout)}; is res_pjsip loaded? (asterisk.reload in the config)`);
  }
  if (/request queued/i.test(out)) {
    return transient('AsteriskBooting', `reload: Asterisk queued the reload (${firstLine(r.stdout)}); it is still starting`);
  }
  if (/already in progress/i.test(out)) {
    return transient('ReloadInProgress', `reload: another module reload is in progress; retrying later`);
  }
  return failed('ReloadFailed', `reload: Asterisk did not say 'reloaded successfully' (${firstLine(r.stdout) || 'no output'})`);
}
