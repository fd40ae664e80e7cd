// What the reconciler remembers between passes: `<stateDir>/status.json` (written atomically) and
// the backups of the live file taken before each write.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PassResult, PassOutcome, Condition } from './steps/types.js';
import { writeFileAtomic } from './targets/local.js';

export interface LastApplied {
  commit: string;
  /** the compiler's content hash (named in the file's header) */
  hash: string;
  /** sha256 of the whole file as written: what the live file must equal */
  fileSha256: string;
  /** what went into the compile (commit, config, secrets): equal key + equal live file → no recompile */
  inputKey?: string;
  /** the extensions it held, for the deletion guard and verify */
  extensions?: string[];
  time: string;
}

export interface Status {
  version: 1;
  lastApplied?: LastApplied;
  lastAttempt?: { time: string; commit?: string; result: PassOutcome; reason: string };
  /**
   * Set just before the live file is written, cleared by the pass that wrote it once it finished.
   * Still set at the start of a pass → the previous one died between write and verify: redo them.
   */
  /** content whose deploy failed and was rolled back: automatic passes do not retry it (see runPass) */
  lastFailed?: { commit: string; fileSha256: string; reason: string; message: string; time: string };
  pending?: { commit: string; fileSha256: string; since: string; pid: number; /** the backup of the file before it ('' when there was none) */ backup: string };
  condition: { type: Condition; reason: string; message: string; since: string };
  /** newest first, at most HISTORY_SIZE */
  history: PassResult[];
  counters: {
    passes: Partial<Record<PassOutcome, number>>;
    reloads: number;
    driftEvents: number;
    lastSuccessTime?: string;
  };
}

export const HISTORY_SIZE = 20;
export const BACKUPS_KEPT = 5;

export function statusPath(stateDir: string): string {
  return join(stateDir, 'status.json');
}

export function emptyStatus(): Status {
  return {
    version: 1,
    condition: { type: 'Stalled', reason: 'NeverRun', message: 'no pass has run yet', since: new Date(0).toISOString() },
    history: [],
    counters: { passes: {}, reloads: 0, driftEvents: 0 },
  };
}

/** The status file, or an empty status when none was written yet (or it is unreadable). */
export async function readStatus(stateDir: string): Promise<Status> {
  try {
    const parsed = JSON.parse(await readFile(statusPath(stateDir), 'utf8')) as Status;
    if (parsed?.version !== 1) return emptyStatus();
    return parsed;
  } catch {
    return emptyStatus();
  }
}

export async function writeStatus(stateDir: string, status: Status): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(statusPath(stateDir), Buffer.from(JSON.stringify(status, null, 2) + '\n'), 0o600);
}

export interface PassRecord {
  result: PassResult;
  /** set when the pass left a new file live (or confirmed the current one) */
  lastApplied?: LastApplied;
  driftDetected?: boolean;
  /** the pass reached the write step (and so finished what a pending marker announced) */
  wrote?: boolean;
  /** set when this pass's write was rolled back */
  failedContent?: NonNullable<Status['lastFailed']>;
}

/** Fold one pass into the status and write it. Dry runs are not recorded: they change nothing. */
export async function recordPass(stateDir: string, rec: PassRecord): Promise<Status> {
  const status = await readStatus(stateDir);
  const r = rec.result;
  if (rec.lastApplied) status.lastApplied = rec.lastApplied;
  status.lastAttempt = { time: r.startedAt, result: r.result, reason: r.reason, ...(r.commit ? { commit: r.commit } : {}) };
  // a transient failure keeps the previous condition's `since` when nothing else changed
  if (rec.wrote) delete status.pending;
  if (rec.failedContent) status.lastFailed = rec.failedContent;
  else if (r.condition === 'Ready' && r.result !== 'dry-run') delete status.lastFailed;
  // `since` is when the condition type last changed (Ready since …), as in Kubernetes conditions
  const same = status.condition.type === r.condition;
  status.condition = { type: r.condition, reason: r.reason, message: r.message, since: same ? status.condition.since : r.startedAt };
  status.history = [r, ...status.history].slice(0, HISTORY_SIZE);
  const c = status.counters;
  c.passes[r.result] = (c.passes[r.result] ?? 0) + 1;
  if (r.reloaded) c.reloads += r.reloadCount ?? 1;
  if (rec.driftDetected) c.driftEvents += 1;
  if (r.condition === 'Ready') c.lastSuccessTime = r.startedAt;
  await writeStatus(stateDir, status);
  return status;
}

/** Announce a write (see Status.pending). */
export async function markPending(stateDir: string, pending: NonNullable<Status['pending']>): Promise<void> {
  const status = await readStatus(stateDir);
  status.pending = pending;
  await writeStatus(stateDir, status);
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function backupDir(stateDir: string): string {
  return join(stateDir, 'backups');
}

/** Save the live file before replacing it: `<time>-<hash8>.conf`, mode 0600, newest BACKUPS_KEPT kept. */
export async function saveBackup(stateDir: string, data: Buffer, now: Date = new Date()): Promise<string> {
  const dir = backupDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${stamp}-${sha256(data).slice(0, 8)}.conf`);
  await writeFileAtomic(path, data, 0o600);
  await pruneBackups(stateDir);
  return path;
}

export async function listBackups(stateDir: string): Promise<string[]> {
  const names = await readdir(backupDir(stateDir)).catch(() => [] as string[]);
  // ISO time stamps sort by name; newest first
  return names.filter((n) => n.endsWith('.conf')).sort().reverse().map((n) => join(backupDir(stateDir), n));
}

async function pruneBackups(stateDir: string): Promise<void> {
  const all = await listBackups(stateDir);
  for (const old of all.slice(BACKUPS_KEPT)) await unlink(old).catch(() => {});
}
