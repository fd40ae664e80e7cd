// Every failure of a pass, sorted by what happens next: transient → retry with backoff; stalled →
// wait for a new commit (or a fix on the host); failed → the change was rolled back, a new commit
// or a human is needed. This is the one place that turns raw git/child-process output into those.
import type { AsteriskFailure } from './asterisk.js';
import { FileTypeError } from './io/regular-file.js';
import type { ErrorKind, Reason } from './pass-types.js';

export type { ErrorKind, Reason } from './pass-types.js';

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

// SshError kinds (reconciler/targets/ssh.ts) an admin must fix; the others are retried with backoff
const PERMANENT_SSH_KINDS: ReadonlySet<string> = new Set(['missing-pin', 'bad-pin', 'host-key-mismatch', 'auth-refused', 'private-key', 'remote-refused']);
const TRANSIENT_SSH_KINDS: ReadonlySet<string> = new Set(['connect-refused', 'timeout', 'connection-lost', 'remote-failed']);
const REFUSED_CODES: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EROFS']);
// SFTP status 2 (NO_SUCH_FILE) reaches here only from a write or a link lookup (a read of a missing
// file is null): the live file's folder is missing, a configuration problem no retry fixes → stalled
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/**
 * The one sorting of a target failure (SSH, SFTP or a local file): transient → retry with backoff;
 * otherwise stalled until an admin fixes the access or the config. `reason` is a short tag for logs.
 */
export function classifySshError(err: unknown): { transient: boolean; reason: string } {
  const e = err as { kind?: unknown; level?: string; code?: string | number; message?: string } | undefined;
  if (typeof e?.kind === 'string' && (PERMANENT_SSH_KINDS.has(e.kind) || TRANSIENT_SSH_KINDS.has(e.kind))) {
    return { transient: !PERMANENT_SSH_KINDS.has(e.kind), reason: e.kind };
  }
  const message = e?.message ?? String(err);
  if (message.includes('Host denied (verification failed)')) return { transient: false, reason: 'host-key-mismatch' };
  if (e?.level === 'client-authentication') return { transient: false, reason: 'auth-refused' };
  if (e?.level === 'client-timeout') return { transient: true, reason: 'timeout' };
  if (e?.code === 'ECONNREFUSED') return { transient: true, reason: 'connect-refused' };
  if (e?.code === 'ETIMEDOUT') return { transient: true, reason: 'timeout' };
  if (e?.level === 'client-socket' || e?.level === 'client-dns') return { transient: true, reason: 'connection-lost' };
  if (e?.code === SFTP_NO_SUCH_FILE || e?.code === SFTP_PERMISSION_DENIED) return { transient: false, reason: 'remote-refused' };
  if (typeof e?.code === 'string' && REFUSED_CODES.has(e.code)) return { transient: false, reason: 'permission-denied' };
  return { transient: true, reason: 'connection-lost' };
}

/** A live path that is no regular file (or is huge) is a configuration error: stalled, never retried as transient. */
export function liveFileError(err: unknown): unknown {
  if (!(err instanceof FileTypeError)) return err;
  return stalled(err.problem === 'too-large' ? 'LiveFileTooLarge' : 'LiveFileNotRegular', err.message);
}

/** A Target failure (reading or writing the live file, connecting): refused → stalled, otherwise transient. */
export function targetError(err: unknown, what: string, transientReason: Reason = 'TargetUnreachable'): PassError {
  // the target already sorted it (e.g. LiveFileNotRegular, stalled): keep its kind and reason
  if (err instanceof PassError) return err;
  if (err instanceof FileTypeError) return liveFileError(err) as PassError;
  if (!classifySshError(err).transient) {
    return stalled('TargetRefused', `${what}: ${messageOf(err)}; fix the access, then the next pass retries`);
  }
  return transient(transientReason, `${what}: ${messageOf(err)}`);
}

const ASTERISK_REASONS: Record<AsteriskFailure, { kind: ErrorKind; reason: Reason; why: string }> = {
  unreachable: { kind: 'transient', reason: 'AsteriskUnreachable', why: 'Asterisk is not reachable' },
  timeout: { kind: 'transient', reason: 'AsteriskTimeout', why: 'Asterisk did not answer in time' },
  queued: { kind: 'transient', reason: 'AsteriskBooting', why: 'Asterisk is still starting and queued the request' },
  'in-progress': { kind: 'transient', reason: 'ReloadInProgress', why: 'another module reload is in progress' },
  'no-such-command': { kind: 'failed', reason: 'AsteriskCommandUnknown', why: 'Asterisk does not know the command (check asterisk.cli / asterisk.reload)' },
  'no-such-module': { kind: 'failed', reason: 'ReloadModuleMissing', why: 'Asterisk has no such module (check asterisk.reload; is res_pjsip loaded?)' },
  'unexpected-output': { kind: 'failed', reason: 'AsteriskUnexpectedOutput', why: 'Asterisk answered something unexpected' },
};

/** An `asterisk -rx` failure (reconciler/asterisk.ts) as a pass error; `what` names the command. */
export function asteriskError(failure: { reason: AsteriskFailure; detail: string }, what: string): PassError {
  const m = ASTERISK_REASONS[failure.reason];
  // a reload that answered anything but `reloaded successfully` is the reload failing
  const reason: Reason = what === 'reload' && failure.reason === 'unexpected-output' ? 'ReloadFailed' : m.reason;
  return new PassError(m.kind, reason, `${what}: ${m.why}: ${failure.detail}`);
}
