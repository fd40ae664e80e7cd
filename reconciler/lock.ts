// One reconciler per target: a lock in the state directory.
//
// The lock is a series of generation files `lock/gen-<n>`, each holding {pid, startedAt, hostname}.
// A file is created only with link(2) from a fully written temp file, which fails like O_EXCL when
// the name exists, so nobody ever reads a half-written lock. A holder whose pid is gone is stale:
// instead of deleting its file (a delete-then-create leaves a window where two processes both win),
// the next process creates generation n+1. Only one process can create a given name, a lock file is
// never removed while it is the newest, and a process that created a lower generation than one it
// then sees steps back — so at most one live holder exists at any time.
// A holder is named by its process identity (pid, start time, boot id: process-identity.ts), so a
// pid reused by another program after a reboot or a kill -9 does not keep the lock held.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Logger } from './log.js';
import { ownIdentity, pidExists, processLive, type RecordedProcess } from './io/process-identity.js';

export interface LockHolder extends RecordedProcess {
  startedAt: string;
  hostname: string;
  released?: boolean;
}

export class LockHeldError extends Error {
  constructor(readonly holder: LockHolder, readonly path: string) {
    super(`another reconciler holds the lock ${path} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}); ` +
      `stop it first, or remove the lock if that process is truly gone`);
    this.name = 'LockHeldError';
  }
}

const GEN = /^gen-(\d+)$/;

/** the release's write; a test replaces it where it cannot fill a real disk (no tmpfs mount allowed) */
export const releaseIo = { writeFile };

function lockDir(stateDir: string): string {
  return join(stateDir, 'lock');
}

async function generations(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((n) => GEN.exec(n)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => a - b);
}

/** The holder in a lock file; null when the file is gone; a file that is not ours to read counts as released. */
async function readHolder(path: string): Promise<LockHolder | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (Number.isInteger(h.pid) && h.pid > 0 && typeof h.hostname === 'string') {
      // an identity field of the wrong type is as good as none: fall back to the pid check
      if (typeof h.procStartTime !== 'string') delete h.procStartTime;
      if (typeof h.bootId !== 'string') delete h.bootId;
      return h;
    }
  } catch { /* edited by hand: fall through */ }
  return { pid: 0, startedAt: '', hostname: '', released: true };
}

/**
 * A holder still counts when it has not released and its process still runs (or is on another
 * host): same pid, start time and boot id; a lock file without those (older versions) by pid alone.
 */
export function isLive(holder: LockHolder): boolean {
  if (holder.released) return false;
  if (holder.hostname !== hostname()) return true; // cannot see its processes: never take it over
  return processLive(holder);
}

/** The newest lock holder, live or not (for `status`), or null when no lock was ever taken. */
export async function readLockHolder(stateDir: string): Promise<LockHolder | null> {
  const dir = lockDir(stateDir);
  const gens = await generations(dir);
  const top = gens.at(-1);
  return top === undefined ? null : readHolder(join(dir, `gen-${top}`));
}

/** Take the lock or throw LockHeldError. Returns release(), which is safe to call more than once. */
export async function acquireLock(stateDir: string): Promise<() => Promise<void>> {
  const dir = lockDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const me: LockHolder = { ...ownIdentity(), startedAt: new Date().toISOString(), hostname: hostname() };
  const temp = join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await writeFile(temp, JSON.stringify(me) + '\n', { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const top = (await generations(dir)).at(-1) ?? 0;
      if (top > 0) {
        const holder = await readHolder(join(dir, `gen-${top}`));
        if (holder === null) continue; // removed by a newer holder's clean-up: look again
        if (isLive(holder)) throw new LockHeldError(holder, join(dir, `gen-${top}`));
      }
      const mine = join(dir, `gen-${top + 1}`);
      try {
        await link(temp, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      if ((await generations(dir)).some((g) => g > top + 1)) {
        await unlink(mine).catch(() => {}); // a newer generation exists: we were late, step back
        continue;
      }
      await cleanOlder(dir, top + 1);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        // mark released in place (never delete the newest generation: the numbering must only grow)
        const t = `${temp}.rel`;
        try {
          await releaseIo.writeFile(t, JSON.stringify({ ...me, released: true }) + '\n', { mode: 0o600 });
          await rename(t, mine);
        } catch (err) {
          // e.g. ENOSPC: the lock stays ours on disk until this process is gone, then it is stale
          await unlink(t).catch(() => {});
          throw err;
        }
      };
    }
    throw new Error(`could not take the lock in ${dir}: too much contention`);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Release, and log a failure (`lock.release-failed`, e.g. ENOSPC) instead of throwing: the pass's own
 * result decides the exit code, and a lock left marked held goes stale with this process.
 */
export async function releaseLock(release: () => Promise<void>, stateDir: string, log: Pick<Logger, 'error'>): Promise<void> {
  try {
    await release();
  } catch (err) {
    log.error('lock.release-failed', { stateDir, error: err instanceof Error ? err.message : String(err),
      note: 'the lock is taken over once this process has exited' });
  }
}

async function cleanOlder(dir: string, current: number): Promise<void> {
  for (const g of await generations(dir)) if (g < current) await unlink(join(dir, `gen-${g}`)).catch(() => {});
  // temp files of processes that died between writing and linking
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
    if (pid && !pidExists(Number(pid))) await unlink(join(dir, name)).catch(() => {});
  }
}
