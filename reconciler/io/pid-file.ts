// The running loop's pid file, `<stateDir>/reconcile.pid`: `reconcile --now` signals this pid. The
// lock alone is not enough: a one-shot `apply` holds it too, and SIGHUP would simply kill that.
// It records the process identity (start time, boot id): a pid reused by another program after a
// crash or a reboot is never signalled.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ownIdentity, type RecordedProcess } from './process-identity.js';

export interface LoopPidFile extends RecordedProcess {
  startedAt: string;
  hostname: string;
}

export function pidFilePath(stateDir: string): string {
  return join(stateDir, 'reconcile.pid');
}

/** written only after the SIGHUP handler is installed, so a --now never kills a starting loop */
export async function writePidFile(stateDir: string): Promise<LoopPidFile> {
  const me: LoopPidFile = { ...ownIdentity(), startedAt: new Date().toISOString(), hostname: hostname() };
  const path = pidFilePath(stateDir);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(me) + '\n', { mode: 0o644 });
  await rename(temp, path);
  return me;
}

/** removes the pid file if it is still ours */
export async function removePidFile(stateDir: string): Promise<void> {
  const cur = await readPidFile(stateDir);
  if (cur?.pid === process.pid && cur.hostname === hostname()) await rm(pidFilePath(stateDir), { force: true });
}

export async function readPidFile(stateDir: string): Promise<LoopPidFile | null> {
  try {
    const v = JSON.parse(await readFile(pidFilePath(stateDir), 'utf8')) as Partial<LoopPidFile>;
    if (typeof v.pid !== 'number' || typeof v.hostname !== 'string') return null;
    return {
      pid: v.pid, startedAt: String(v.startedAt ?? ''), hostname: v.hostname,
      ...(typeof v.procStartTime === 'string' ? { procStartTime: v.procStartTime } : {}),
      ...(typeof v.bootId === 'string' ? { bootId: v.bootId } : {}),
    };
  } catch {
    return null;
  }
}
