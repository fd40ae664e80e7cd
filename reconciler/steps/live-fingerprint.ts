// A pass with nothing new need not read and hash the whole live file (1.6 MB at 10,000 extensions)
// when the file provably has not changed since a pass of this process read it: the same device,
// inode, size, mtime and ctime, to the nanosecond. A hand edit changes mtime and ctime (ctime cannot
// be set back by anyone but the clock); a replacement by rename changes the inode.
//
// Coarse timestamps: on a filesystem that keeps whole seconds, an edit within the same second as the
// read leaves mtime and ctime as they were. So a fingerprint is trusted only when it was taken more
// than TRUST_AFTER_MS after the newest of the file's own timestamps; until then every pass reads.
// The memory is this process's own (the reconcile loop's): a new process reads once first.
import type { FileStat, Target } from '../target.js';

export const TRUST_AFTER_MS = 2000;

interface Seen { stat: FileStat; sha: string; trusted: boolean }

const seen = new Map<string, Seen>();

const same = (a: FileStat, b: FileStat) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** The stat to take before reading `path` (undefined where the target cannot stat, or stat failed). */
export async function statBefore(target: Target, path: string): Promise<FileStat | undefined> {
  if (!target.statFile) return undefined;
  return (await target.statFile(path).catch(() => null)) ?? undefined;
}

/** The sha of the file as last read, when `stat` shows it untouched since and the fingerprint is trusted. */
export function unchangedSha(path: string, stat: FileStat | undefined): string | undefined {
  const s = seen.get(path);
  return stat && s?.trusted && same(stat, s.stat) ? s.sha : undefined;
}

/** Remember what a full read found, with the stat taken just before it. */
export function rememberRead(path: string, stat: FileStat | undefined, sha: string, nowMs = Date.now()): void {
  if (!stat) {
    seen.delete(path);
    return;
  }
  const newest = Number((stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs) / 1_000_000n);
  seen.set(path, { stat, sha, trusted: nowMs - newest > TRUST_AFTER_MS });
}
