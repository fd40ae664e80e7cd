// Who a pid is: after a reboot or a kill -9 the pid in a lock or pid file can belong to any other
// program. On Linux a process is named by (pid, start time in clock ticks since boot, boot id); the
// same pid with another start time or boot id is another process. Without /proc (not Linux) only the
// bare pid can be checked: there a recorded pid counts as ours as long as it exists.
import { readFileSync } from 'node:fs';

/** What a lock or pid file records about the process that wrote it. */
export interface RecordedProcess {
  pid: number;
  /** /proc/<pid>/stat field 22 (starttime, clock ticks since boot), as text; absent in old files */
  procStartTime?: string;
  /** /proc/sys/kernel/random/boot_id; absent in old files */
  bootId?: string;
}

/**
 * `same`: that process still runs (identity matched); `gone`: no such process, or the pid now names
 * another one; `unverified`: a process has the pid but nothing recorded (old file) or no /proc says who.
 */
export type ProcessMatch = 'same' | 'gone' | 'unverified';

/** starttime (field 22) of a /proc/<pid>/stat line; field 2 is `(comm)`, which may hold spaces and ')'. */
export function startTimeOfStat(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // after `(comm)` come field 3 (state) onwards: field 22 is the 20th of them
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const v = rest[19];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

let procChecked: boolean | undefined;
/** whether this system has a Linux /proc to tell processes apart */
export function hasProc(): boolean {
  procChecked ??= readProc('/proc/self/stat') !== null && readProc('/proc/sys/kernel/random/boot_id') !== null;
  return procChecked;
}

export function bootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** The start time of `pid`, or null when no such process exists (undefined: /proc cannot say). */
export function processStartTime(pid: number): string | null | undefined {
  if (!hasProc()) return undefined;
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return startTimeOfStat(stat);
}

/** This process's identity, to record in a lock or pid file (only `pid` where there is no /proc). */
export function ownIdentity(): RecordedProcess {
  const procStartTime = processStartTime(process.pid) ?? undefined;
  const boot = hasProc() ? bootId() : undefined;
  return { pid: process.pid, ...(procStartTime ? { procStartTime } : {}), ...(boot ? { bootId: boot } : {}) };
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the recorded process still the one running under its pid? */
export function matchProcess(rec: RecordedProcess): ProcessMatch {
  if (!Number.isInteger(rec.pid) || rec.pid <= 0) return 'gone';
  if (!hasProc()) return pidExists(rec.pid) ? 'unverified' : 'gone';
  const start = processStartTime(rec.pid);
  if (start === null) return pidExists(rec.pid) ? 'unverified' : 'gone'; // /proc hidden (hidepid): the pid is all we see
  if (start === undefined || rec.procStartTime === undefined || rec.bootId === undefined) return 'unverified';
  if (rec.bootId !== bootId()) return 'gone'; // written before a reboot
  return start === rec.procStartTime ? 'same' : 'gone';
}

/** Holder semantics (locks): an unverified process counts as live, as a bare pid check would. */
export function processLive(rec: RecordedProcess): boolean {
  return matchProcess(rec) !== 'gone';
}

/**
 * May we signal it? Only a process identified as the one recorded; where there is no /proc (not
 * Linux) the bare pid is all there is, and the caller's other checks (the lock) must carry the rest.
 */
export function identifiedForSignal(rec: RecordedProcess): boolean {
  const m = matchProcess(rec);
  return m === 'same' || (m === 'unverified' && !hasProc());
}
