// A cheap fingerprint of the realtime database, so that a pass with nothing new in Git need not read
// every row (1–2 s at 10,000 extensions) to know the tables still hold what was last applied.
//
// What it is: one exec on the target, `stat -c … -- /proc/self/ <db> <db>-wal <db>-journal` — the
// target's clock (the ctime of the stat process's own /proc directory, made when it looks itself up;
// if it were older, the check below would only trust less), and for each of the three files (or its
// absence) the file type, device, inode, size, mtime and ctime (seconds, and as %y/%z nanoseconds
// where the filesystem keeps them). A database path that is a symlink gets no fingerprint: SQLite
// names the -wal after the file the link points to, which this stat would not see.
//
// When it is kept (state dir, realtime-tables.json): after a pass read every row and found exactly
// the rows of the record (realtime-applied.json), the stat taken BEFORE that read is kept, with the
// content the record names and the identity of the record file. When it is used: the next pass
// stats again; the very same answer, and the same record file, say the tables have not been written
// since a moment before the rows were read and matched — the pass takes the record's content as
// the live one without reading. Anything else (another answer, no sh or stat, an unexpected line,
// a record rewritten, no fingerprint kept) → the full read, as before.
//
// Why the same answer means no write: SQLite writes with write(2), to the database file (rollback
// journal modes; the -journal file comes and goes or changes too) or to the -wal file (WAL mode;
// every commit appends frames, and a checkpoint writes the database file). Each write sets the
// written file's mtime and ctime to the current time; ctime cannot be set back from user space
// (touch -d, cp -p and utimensat set mtime, and move ctime to now), a file put in place by rename or
// copy to a new file has another inode or a new ctime, and the size is there too. What could still
// go unseen is a write stamped with the very timestamp already recorded, because timestamps are
// coarse: ext4 and xfs keep nanoseconds but advance them once per kernel tick (a few ms), ext3 and
// HFS+ once per second, FAT every 2 s. A write that lands in the same tick as the last one before
// the stat leaves mtime, ctime (and, for an UPDATE in place, size) as they were. So a stat is kept
// only when the target's clock at the stat is more than 2 s past the newest mtime/ctime it shows:
// any later write then carries a later timestamp on every such filesystem. A stat taken sooner
// after a write (the pass right after an apply, or a hand edit a moment before a pass) is not kept,
// and the next pass reads the rows again — and keeps its own stat once the database has been quiet
// for those 2 s.
//
// The rows are read after the stat, so a write during the read changes the next stat: that pass
// reads again. A pass that writes rows (the host check's probe rows, then the change) rewrites the
// record and drops the fingerprint before it, so the pass after a write always reads every row once.
// Assumed: the target's clock is not stepped back by more than the margin between two passes, and
// the database is on a local filesystem (SQLite's own requirement; an NFS server stamps with its
// clock). Another table in the same database written often (not ours) only costs the read.
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../target.js';

const FILE = 'realtime-tables.json';
/** the record the fingerprint vouches for (record.ts) */
const RECORD = 'realtime-applied.json';
const FORMAT = 1;
/** seconds between the newest timestamp and the stat for the stat to be kept (see above: FAT's 2 s) */
export const QUIET_SECONDS = 2;

export interface DatabaseStat {
  /** what must be equal: the target, the database, and each file's line (or its absence) */
  fingerprint: string;
  /** whether the stat was taken long enough after the newest timestamp it shows to be kept */
  quiet: boolean;
}

const FORMAT_ARG = '%f %d %i %s %Y %Z %y %z %n';
/** Stat-ed first: the directory of the stat process itself, made as it looks it up, carries the target's clock */
const CLOCK = '/proc/self/';

/** The stat of the database and its -wal and -journal files, or undefined when its answer is in any doubt. */
export async function statDatabase(target: Target, database: string, timeoutMs = 10_000): Promise<DatabaseStat | undefined> {
  const files = [database, `${database}-wal`, `${database}-journal`];
  if (target.statFile) return statHere(target, files);
  let r;
  try {
    // no -L: a database path that is a symlink is refused below (SQLite names the -wal after the file the link points to)
    r = await target.exec(['stat', '-c', FORMAT_ARG, '--', CLOCK, ...files], timeoutMs);
  } catch {
    return undefined;
  }
  // stat exits 1 when a file is missing (the -journal mostly is): said on stderr, one line each
  if (r.timedOut || (r.code !== 0 && r.code !== 1)) return undefined;
  if (r.stderr.split('\n').some((l) => l.trim() && !/No such file or directory/.test(l))) return undefined;
  return parseStat(target.describe, files, r.stdout);
}

/**
 * The same fingerprint from this machine's own stat calls (the local target): no process to start,
 * the clock is this process's, nanoseconds as the filesystem keeps them.
 */
async function statHere(target: Target, files: string[]): Promise<DatabaseStat | undefined> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  let newest = -1n;
  const lines: [string, string | null][] = [];
  for (const f of files) {
    let s;
    try {
      s = await target.statFile!(f, { noFollow: true });
    } catch {
      return undefined;
    }
    if (s && !s.regular) return undefined; // a symlink, a directory…: not the file SQLite writes
    if (s) newest = [newest, s.mtimeNs, s.ctimeNs].reduce((a, b) => (a > b ? a : b));
    lines.push([f, s ? `${s.dev} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs}` : null]);
  }
  if (!lines[0]![1]) return undefined; // no database file: the read says what is wrong
  return { fingerprint: JSON.stringify([target.describe, 'here', ...lines]), quiet: nowNs - newest > BigInt(QUIET_SECONDS) * 1_000_000_000n };
}

/** Pure: stat's answer for the clock and the files as a fingerprint (exported for the tests). */
export function parseStat(where: string, files: string[], stdout: string): DatabaseStat | undefined {
  const lines = stdout.split('\n').filter(Boolean);
  const clock = fieldsOf(lines.shift() ?? '', CLOCK);
  if (!clock) return undefined;
  const now = Number(clock[5]); // its ctime: when the stat process looked itself up
  const byFile = new Map<string, string>();
  let newest = -Infinity;
  // matched by the end of the line (stat's %n comes last), the longest name first
  const names = [...files].sort((a, b) => b.length - a.length);
  for (const line of lines) {
    const name = names.find((n) => line.endsWith(` ${n}`));
    const fields = name && !byFile.has(name) ? fieldsOf(line, name) : undefined;
    // a symlink, a directory…: not the file SQLite writes
    if (!fields || (parseInt(fields[0]!, 16) & 0o170000) !== 0o100000) return undefined;
    newest = Math.max(newest, Number(fields[4]), Number(fields[5]));
    byFile.set(name!, fields.join(' '));
  }
  if (!byFile.has(files[0]!)) return undefined; // no database file: the read says what is wrong
  const fingerprint = JSON.stringify([where, ...files.map((f) => [f, byFile.get(f) ?? null])]);
  return { fingerprint, quiet: now - newest > QUIET_SECONDS };
}

/** The fields before the name: mode in hex, then device, inode, size, mtime and ctime in seconds, then %y and %z. */
function fieldsOf(line: string, name: string): string[] | undefined {
  if (!line.endsWith(` ${name}`)) return undefined;
  const fields = line.slice(0, -(name.length + 1)).split(' ');
  return fields.length >= 8 && /^[0-9a-f]+$/.test(fields[0]!) && fields.slice(1, 6).every((f) => /^\d+$/.test(f)) ? fields : undefined;
}

interface Kept {
  format: number;
  fingerprint: string;
  /** the content the record names, which the tables held when this stat was taken */
  contentSha: string;
  /** the record file this was kept for: size, mtime in ns, inode */
  record: string;
}

async function recordIdentity(stateDir: string): Promise<string | undefined> {
  try {
    const s = await lstat(join(stateDir, RECORD), { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** The content the tables hold when this stat is the one kept for the record as it is now; undefined otherwise. */
export async function unchangedContent(stateDir: string | undefined, now: DatabaseStat | undefined): Promise<string | undefined> {
  if (!stateDir || !now) return undefined;
  let kept: Partial<Kept>;
  try {
    kept = JSON.parse(await readFile(join(stateDir, FILE), 'utf8')) as Partial<Kept>;
  } catch {
    return undefined;
  }
  if (kept.format !== FORMAT || kept.fingerprint !== now.fingerprint || typeof kept.contentSha !== 'string' || !kept.contentSha) return undefined;
  const record = await recordIdentity(stateDir);
  return record !== undefined && record === kept.record ? kept.contentSha : undefined;
}

/**
 * After a full read: keep the stat taken before it when the rows were the record's (contentSha) and
 * the stat was quiet; otherwise make sure none is kept. Writes only when that changes the file.
 */
export async function keepFingerprint(stateDir: string | undefined, stat: DatabaseStat | undefined, contentSha: string): Promise<void> {
  if (!stateDir) return;
  const record = contentSha && stat?.quiet ? await recordIdentity(stateDir) : undefined;
  if (!stat || !record) return dropFingerprint(stateDir);
  const text = JSON.stringify({ format: FORMAT, fingerprint: stat.fingerprint, contentSha, record } satisfies Kept) + '\n';
  const path = join(stateDir, FILE);
  if (await readFile(path, 'utf8').then((t) => t === text, () => false)) return;
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** No fingerprint kept: the next pass reads every row (the record is about to change, or the rows differ from it). */
export async function dropFingerprint(stateDir: string | undefined): Promise<void> {
  if (stateDir) await rm(join(stateDir, FILE), { force: true });
}
