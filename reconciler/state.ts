// What the reconciler remembers between passes: `<stateDir>/status.json` (written atomically), the
// backups of the live file taken before each write, and a copy of the last file that verified.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { repairStatus } from './status-repair.js';
import { readSuspension } from './suspension.js';
import type { LastApplied, LastReload, PassResult, StalledCompile, Status } from './pass-types.js';
import { writeFileAtomic } from './io/atomic-write.js';

export type { LastApplied, StalledCompile, Status } from './pass-types.js';

export const HISTORY_SIZE = 20;
export const BACKUPS_KEPT = 5;
/** diagnostics kept per pass in the status file: the newest pass keeps this many, older ones a few */
export const DIAGNOSTICS_KEPT = 20;
const DIAGNOSTICS_IN_OLDER = 3;
const DIAGNOSTIC_MAX_CHARS = 1000;
/**
 * Extension numbers kept per list of a history entry's `changes`: a first apply of 10,000 would
 * otherwise be read and written back with every pass while it stays in the history.
 */
export const CHANGES_KEPT = 50;

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

/** The status file, repaired where it is malformed (see readStatusChecked); empty when none was written yet. */
export async function readStatus(stateDir: string): Promise<Status> {
  return (await readStatusChecked(stateDir)).status;
}

/**
 * The status file with what had to be dropped from it to be sound (empty when it was fine or absent),
 * and `suspended` as the suspension file says now (status.json's copy is as of its last write).
 */
export async function readStatusChecked(stateDir: string): Promise<{ status: Status; repairs: string[] }> {
  const [read, suspended] = await Promise.all([readStatusFile(stateDir), readSuspension(stateDir)]);
  delete read.status.suspended;
  if (suspended) read.status.suspended = suspended;
  return read;
}

async function readStatusFile(stateDir: string): Promise<{ status: Status; repairs: string[] }> {
  let text: string;
  try {
    text = await readFile(statusPath(stateDir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: emptyStatus(), repairs: code === 'ENOENT' ? [] : [`unreadable (${code ?? 'error'}): started afresh`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: emptyStatus(), repairs: ['not valid JSON: started afresh'] };
  }
  return repairStatus(parsed, emptyStatus());
}

export async function writeStatus(stateDir: string, status: Status, durable = true): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(statusPath(stateDir), Buffer.from(JSON.stringify(status, null, 2) + '\n'), 0o600, { durable });
}

export interface PassRecord {
  result: PassResult;
  /** set when the pass left a new file live (or confirmed the current one) */
  lastApplied?: LastApplied;
  driftDetected?: boolean;
  /** the pass reached the write step (and so finished what a pending marker announced) */
  wrote?: boolean;
  /** the pass found that the pending marker's write never landed */
  clearPending?: boolean;
  /** set when this pass wrote content that did not reload or verify */
  failedContent?: NonNullable<Status['lastFailed']>;
  /** set when the pass's commit does not compile; cleared by `compiled` */
  stalledCompile?: StalledCompile;
  /** the pass compiled its commit */
  compiled?: boolean;
  /** the pass's newest reload that succeeded: how long it took, for how many endpoints */
  reload?: LastReload;
}

/** A pass as history keeps it: a count and the first few diagnostics, each of bounded length. */
export function boundedEntry(r: PassResult, keep: number): PassResult {
  return boundedDiagnostics(boundedChanges(r), keep);
}

function boundedChanges(r: PassResult): PassResult {
  const c = r.changes;
  if (!c || (c.added.length <= CHANGES_KEPT && c.removed.length <= CHANGES_KEPT && c.changed.length <= CHANGES_KEPT)) return r;
  return { ...r, changesCount: r.changesCount ?? { added: c.added.length, removed: c.removed.length, changed: c.changed.length },
    changes: { added: c.added.slice(0, CHANGES_KEPT), removed: c.removed.slice(0, CHANGES_KEPT), changed: c.changed.slice(0, CHANGES_KEPT) } };
}

function boundedDiagnostics(r: PassResult, keep: number): PassResult {
  if (!r.diagnostics) return r;
  if (r.diagnostics.length <= keep && r.diagnosticsCount !== undefined && r.diagnostics.every((d) => d.length <= DIAGNOSTIC_MAX_CHARS)) return r;
  return { ...r, diagnosticsCount: r.diagnosticsCount ?? r.diagnostics.length,
    diagnostics: r.diagnostics.slice(0, keep).map((d) => (d.length > DIAGNOSTIC_MAX_CHARS ? `${d.slice(0, DIAGNOSTIC_MAX_CHARS - 1)}…` : d)) };
}

export interface RecordOptions {
  /**
   * The status as the pass read it at its start, when nothing has written the file since (a pass
   * that stopped in its source phase): folded into directly instead of read a second time.
   */
  asRead?: Status;
}

/** Fold one pass into the status and write it. Dry runs are not recorded: they change nothing. */
export async function recordPass(stateDir: string, rec: PassRecord, options: RecordOptions = {}): Promise<Status> {
  const status = options.asRead ?? await readStatus(stateDir);
  const conditionBefore = status.condition.type;
  const appliedBefore = status.lastApplied;
  const sameApplied = !rec.lastApplied || (appliedBefore?.commit === rec.lastApplied.commit && appliedBefore.fileSha256 === rec.lastApplied.fileSha256);
  const r = rec.result;
  if (rec.lastApplied) status.lastApplied = rec.lastApplied;
  status.lastAttempt = { time: r.startedAt, result: r.result, reason: r.reason, ...(r.commit ? { commit: r.commit } : {}) };
  // a transient failure keeps the previous condition's `since` when nothing else changed
  if (rec.wrote || rec.clearPending) delete status.pending;
  if (rec.failedContent) status.lastFailed = rec.failedContent;
  else if (r.condition === 'Ready' && r.result !== 'dry-run') delete status.lastFailed;
  if (rec.reload) status.lastReload = rec.reload;
  if (rec.stalledCompile) status.stalledCompile = rec.stalledCompile;
  else if (rec.compiled) delete status.stalledCompile;
  // `since` is when the condition type last changed (Ready since …), as in Kubernetes conditions
  const same = status.condition.type === r.condition;
  status.condition = { type: r.condition, reason: r.reason, message: r.message, since: same ? status.condition.since : r.startedAt };
  status.history = [r, ...status.history].slice(0, HISTORY_SIZE)
    .map((e, i) => boundedEntry(e, i === 0 ? DIAGNOSTICS_KEPT : DIAGNOSTICS_IN_OLDER));
  const c = status.counters;
  c.passes[r.result] = (c.passes[r.result] ?? 0) + 1;
  if (r.reloaded) c.reloads += r.reloadCount ?? 1;
  if (rec.driftDetected) c.driftEvents += 1;
  if (r.condition === 'Ready') c.lastSuccessTime = r.startedAt;
  // A pass that found nothing to do and left the condition as it was records only its time and
  // counters: those need no fsync (two of them cost more than the rest of such a pass). The
  // replacement stays atomic for readers and against a crash of the process. A power cut right
  // after it may lose this record (ext4 flushes a file replaced by rename before the rename; a
  // filesystem that does not may leave the file damaged, which the next read repairs, starting
  // afresh: that pass then compiles and compares again, nothing more). Every other record — a
  // write, a reload, a new condition, a pending marker cleared — is made durable.
  const routine = r.result === 'unchanged' && conditionBefore === r.condition && sameApplied
    && !rec.wrote && !rec.clearPending && !rec.failedContent && !rec.reload && !rec.driftDetected;
  await writeStatus(stateDir, status, !routine);
  return status;
}

/** Announce a write (see Status.pending). */
export async function markPending(stateDir: string, pending: NonNullable<Status['pending']>): Promise<void> {
  const status = await readStatus(stateDir);
  status.pending = pending;
  await writeStatus(stateDir, status);
}

/** Withdraw the announcement: the write did not land. */
export async function clearPending(stateDir: string): Promise<void> {
  const status = await readStatus(stateDir);
  if (!status.pending) return;
  delete status.pending;
  await writeStatus(stateDir, status);
}

/** Live content may be called Ready only when it verified and has not failed since. */
export function isVerifiedContent(status: Status, fileSha256: string | undefined): boolean {
  return !!fileSha256 && status.lastApplied?.fileSha256 === fileSha256 && status.lastFailed?.fileSha256 !== fileSha256;
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

/** The copy of the last file that verified: a rollback target even when the live file was lost or hand-edited. */
export function verifiedCopyPath(stateDir: string): string {
  return join(stateDir, 'last-verified.conf');
}

/** Keep `data` (which just verified) as the rollback target; `onlyIfMissing` for passes that wrote nothing. */
export async function saveVerifiedCopy(stateDir: string, data: Buffer, onlyIfMissing = false): Promise<boolean> {
  if (onlyIfMissing && (await stat(verifiedCopyPath(stateDir)).then(() => true, () => false))) return false;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(verifiedCopyPath(stateDir), data, 0o600);
  return true;
}

/** Content with this sha256 kept in the state dir: the verified copy, else the newest backup holding it. */
export async function findKeptContent(stateDir: string, fileSha256: string): Promise<{ data: Buffer; path: string } | null> {
  const candidates = [verifiedCopyPath(stateDir),
    ...(await listBackups(stateDir)).filter((p) => p.endsWith(`-${fileSha256.slice(0, 8)}.conf`))];
  for (const path of candidates) {
    const data = await readFile(path).catch(() => null);
    if (data && sha256(data) === fileSha256) return { data, path };
  }
  return null;
}

async function pruneBackups(stateDir: string): Promise<void> {
  const all = await listBackups(stateDir);
  for (const old of all.slice(BACKUPS_KEPT)) await unlink(old).catch(() => {});
}
