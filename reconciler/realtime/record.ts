// The record of the rows last applied to the realtime tables (state dir, realtime-applied.json): each
// row's digest, which tells rows edited by hand since (drift), and the compiled content they were
// written for, which lets a pass whose tables still hold exactly those rows stop before compiling.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REALTIME_TABLES } from '../../compiler/realtime-schema.js';
import type { RealtimeRows } from '../../compiler/realtime-rows.js';
import { dropFingerprint } from './fingerprint.js';
import { digestsOf, driftedRows, type AppliedDigests } from './rows-diff.js';

const RECORD = 'realtime-applied.json';

export interface RealtimeRecord {
  /** sha256 of the compiled pjsip_wizard.conf text the rows were made from (what status.lastApplied names) */
  contentSha?: string;
  rows: AppliedDigests;
}

function isDigests(v: unknown): v is AppliedDigests {
  return !!v && typeof v === 'object' && REALTIME_TABLES.every((t) => typeof (v as Record<string, unknown>)[t] === 'object');
}

export async function readRecord(stateDir: string | undefined): Promise<RealtimeRecord | undefined> {
  if (!stateDir) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(stateDir, RECORD), 'utf8'));
  } catch {
    return undefined; // no record yet: the first apply has nothing to call drift
  }
  // the first format held the digests alone
  if (isDigests(parsed)) return { rows: parsed };
  const r = parsed as Partial<RealtimeRecord>;
  return isDigests(r.rows) ? { rows: r.rows, ...(typeof r.contentSha === 'string' ? { contentSha: r.contentSha } : {}) } : undefined;
}

export async function writeRecord(stateDir: string | undefined, rows: RealtimeRows, contentSha?: string): Promise<void> {
  if (!stateDir) return;
  await mkdir(stateDir, { recursive: true });
  const tmp = join(stateDir, `${RECORD}.tmp`);
  const record: RealtimeRecord = { ...(contentSha ? { contentSha } : {}), rows: digestsOf(rows) };
  await writeFile(tmp, JSON.stringify(record) + '\n', { mode: 0o600 });
  // the database's fingerprint vouched for the record being replaced: the next pass reads the rows
  await dropFingerprint(stateDir);
  await rename(tmp, join(stateDir, RECORD));
}

/** The content the tables hold, when they hold exactly the rows last applied for it; '' otherwise. */
export function contentOfTables(current: RealtimeRows, record: RealtimeRecord | undefined): string {
  if (!record?.contentSha) return '';
  return driftedRows(current, record.rows).length ? '' : record.contentSha;
}
