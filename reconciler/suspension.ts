// Writes paused by `pjsip-gitops suspend`: `<stateDir>/suspended.json`, its own small file, so that
// `suspend` and `resume` never read-modify-write status.json under a running loop (whose pass folds
// its record into status.json at any moment: one of the two writes would be lost). It survives a
// restart of the loop; every reader of the status sees it through readStatusChecked.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './io/atomic-write.js';
import type { Suspension } from './pass-types.js';

export function suspensionPath(stateDir: string): string {
  return join(stateDir, 'suspended.json');
}

/**
 * The suspension, or undefined when writes are not suspended. A file that exists but cannot be read
 * or understood still suspends: pausing writes by mistake costs a `resume`, writing by mistake a PBX.
 */
export async function readSuspension(stateDir: string): Promise<Suspension | undefined> {
  let text: string;
  try {
    text = await readFile(suspensionPath(stateDir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { reason: `${suspensionPath(stateDir)} cannot be read (${code ?? 'error'}); writes stay suspended until \`resume\``, since: new Date(0).toISOString() };
  }
  try {
    const v = JSON.parse(text) as Partial<Suspension>;
    if (typeof v.reason === 'string' && typeof v.since === 'string') {
      return { reason: v.reason, since: v.since, ...(typeof v.by === 'string' ? { by: v.by } : {}) };
    }
  } catch {
    // fall through: malformed
  }
  return { reason: `${suspensionPath(stateDir)} is malformed; writes stay suspended until \`resume\``, since: new Date(0).toISOString() };
}

/** Suspend writes (atomically; readable by the reconciler whoever runs `suspend`: it holds no secret). */
export async function writeSuspension(stateDir: string, s: Suspension): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(suspensionPath(stateDir), Buffer.from(JSON.stringify(s, null, 2) + '\n'), 0o644);
}

/** Resume writes; false when they were not suspended. */
export async function clearSuspension(stateDir: string): Promise<boolean> {
  try {
    await unlink(suspensionPath(stateDir));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
