// The realtime strategy's deploy: instead of write + reload, the changed rows of ps_endpoints, ps_aors
// and ps_auths in one transaction, which Asterisk reads on the next request — no reload, no stall of
// unrelated registrations. The same guarantees as the file: declarative (rows not in Git go), guarded,
// drift found, every changed object verified on Asterisk, the old rows written back on failure.
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REALTIME_TABLES } from '../../compiler/realtime-schema.js';
import { isSecretColumn, realtimeRows, type RealtimeRows } from '../../compiler/realtime-rows.js';
import type { CompiledModel } from '../../compiler/types.js';
import type { AsteriskOptions } from '../asterisk.js';
import { failed, messageOf, PassError, stalled, transient } from '../errors.js';
import type { Logger } from '../log.js';
import type { ExtensionChanges, PassOutcome, Reason } from '../pass-types.js';
import type { Target } from '../target.js';
import { changeSql, deletedEndpoints, describeChange, diffRows, digestsOf, driftedRows, extensionOf, restoreSql,
  type AppliedDigests, type RowChange } from './rows-diff.js';
import { readRows, runTransaction, SqliteError, type SqliteOptions } from './sqlite.js';
import { checkObject } from './verify.js';

export interface RealtimeContext {
  target: Target;
  /** the SQLite file on the target that res_config_sqlite3 reads */
  database: string;
  asterisk: Partial<AsteriskOptions>;
  log: Logger;
  guards: { maxDeletions: number; allowEmpty: boolean };
  drift: { mode: 'correct' | 'report' };
  verify: boolean;
  /** where the record of the rows last applied is kept (drift detection); none: drift is not looked for */
  stateDir?: string;
  sqlite?: SqliteOptions;
  dryRun?: boolean;
}

export interface RealtimeOutcome {
  result: Extract<PassOutcome, 'applied' | 'unchanged' | 'drift-corrected' | 'drift-reported' | 'dry-run'>;
  reason: Reason;
  message: string;
  /** the rows written (or that would be, on a dry run) */
  changes: RowChange[];
  /** rows found changed by hand since the last apply */
  drifted: { table: string; id: string }[];
  extensions: ExtensionChanges;
}

const RECORD = 'realtime-applied.json';

async function readRecord(stateDir: string | undefined): Promise<AppliedDigests | undefined> {
  if (!stateDir) return undefined;
  try {
    return JSON.parse(await readFile(join(stateDir, RECORD), 'utf8')) as AppliedDigests;
  } catch {
    return undefined; // no record yet: the first apply has nothing to call drift
  }
}

async function writeRecord(stateDir: string | undefined, rows: RealtimeRows): Promise<void> {
  if (!stateDir) return;
  await mkdir(stateDir, { recursive: true });
  const tmp = join(stateDir, `${RECORD}.tmp`);
  await writeFile(tmp, JSON.stringify(digestsOf(rows)) + '\n', { mode: 0o600 });
  await rename(tmp, join(stateDir, RECORD));
}

/** The compiled model's rows, or a stalled error naming what realtime cannot express. */
export function rowsOfModel(model: Pick<CompiledModel, 'sections'>): RealtimeRows {
  const r = realtimeRows(model);
  if (r.ok) return r.rows;
  const shown = r.problems.slice(0, 5).map((p) => `${p.extension}: ${p.message}`).join('; ');
  throw stalled('CompileFailed', `the extensions cannot be written as realtime rows (${r.problems.length} problems): ${shown}`);
}

function learnSecrets(log: Logger, rows: RealtimeRows): void {
  for (const t of REALTIME_TABLES) {
    for (const row of Object.values(rows[t])) for (const [k, v] of Object.entries(row)) if (isSecretColumn(t, k)) log.addSecret(v);
  }
}

function sqliteError(err: unknown, what: string): PassError {
  if (err instanceof PassError) return err;
  const r = err instanceof SqliteError ? err.result : undefined;
  // a missing sqlite3 or table is the host's to fix; anything else may pass (locked, connection lost)
  if (r?.code === 127 || (err instanceof SqliteError && /no such (table|column)|unable to open/i.test(r?.stderr ?? err.message))) {
    return stalled('TargetRefused', `${what}: ${messageOf(err)}`);
  }
  if (r && !r.timedOut) return failed('WriteFailed', `${what}: ${messageOf(err)}`);
  return transient('TargetUnreachable', `${what}: ${messageOf(err)}`);
}

function extensionChanges(changes: RowChange[]): ExtensionChanges {
  const added = changes.filter((c) => c.table === 'ps_endpoints' && c.kind === 'insert').map((c) => c.id);
  const removed = deletedEndpoints(changes);
  const touched = new Set(changes.map(extensionOf));
  const changed = [...touched].filter((n) => !added.includes(n) && !removed.includes(n)).sort();
  return { added, removed, changed };
}

function guard(ctx: RealtimeContext, current: RealtimeRows, desired: RealtimeRows, changes: RowChange[]): void {
  const removed = deletedEndpoints(changes);
  if (removed.length > ctx.guards.maxDeletions) {
    throw stalled('GuardRefused', `refusing to remove ${removed.length} extensions in one pass (guards.maxDeletions is ${ctx.guards.maxDeletions}): ` +
      `${removed.slice(0, 10).join(', ')}${removed.length > 10 ? ', …' : ''}; raise the guard for this change if it is meant`);
  }
  const had = Object.keys(current.ps_endpoints).length;
  if (!Object.keys(desired.ps_endpoints).length && had && !ctx.guards.allowEmpty) {
    throw stalled('GuardRefused', `refusing to empty ps_endpoints (it would remove ${had} extensions); set guards.allowEmpty if it is meant`);
  }
}

/** Apply Git's rows to the realtime tables: diff, guard, one transaction, verify, roll back on failure. */
export async function applyRealtime(ctx: RealtimeContext, desired: RealtimeRows): Promise<RealtimeOutcome> {
  const { target, database, log } = ctx;
  learnSecrets(log, desired);
  let current: RealtimeRows;
  try {
    current = await readRows(target, database, ctx.sqlite);
  } catch (err) {
    throw sqliteError(err, 'cannot read the realtime tables');
  }
  learnSecrets(log, current);
  const record = await readRecord(ctx.stateDir);
  const drifted = driftedRows(current, record);
  let changes = diffRows(current, desired);
  if (drifted.length) log.warn('realtime.drift', { rows: drifted.slice(0, 50), count: drifted.length, mode: ctx.drift.mode });
  if (drifted.length && ctx.drift.mode === 'report') {
    // only what the commit changes is written; rows edited by hand stay as they are, reported
    const byHand = new Set(drifted.map((d) => `${d.table}/${d.id}`));
    const desiredDigests = digestsOf(desired);
    changes = changes.filter((c) => !byHand.has(`${c.table}/${c.id}`) || desiredDigests[c.table][c.id] !== record?.[c.table]?.[c.id]);
  }
  const extensions = extensionChanges(changes);
  const end = (result: RealtimeOutcome['result'], reason: Reason, message: string): RealtimeOutcome =>
    ({ result, reason, message, changes, drifted, extensions });
  if (!changes.length) {
    if (drifted.length && ctx.drift.mode === 'report') return end('drift-reported', 'DriftDetected', `${drifted.length} realtime rows differ from Git (edited by hand); drift.mode is report: left as they are`);
    if (!ctx.dryRun) await writeRecord(ctx.stateDir, desired);
    return end('unchanged', 'Unchanged', 'the realtime tables already hold what Git says');
  }
  guard(ctx, current, desired, changes);
  const summary = `${changes.length} rows (${extensions.added.length} added, ${extensions.changed.length} changed, ${extensions.removed.length} removed extensions)`;
  if (ctx.dryRun) return end('dry-run', 'DryRun', `would write ${summary}`);

  try {
    await runTransaction(target, database, changes.map(changeSql), ctx.sqlite);
  } catch (err) {
    // one transaction: a failed one wrote nothing
    throw sqliteError(err, 'the realtime rows were not written (nothing changed)');
  }
  log.info('realtime.written', { rows: changes.length, changes: changes.slice(0, 50).map(describeChange) });

  if (ctx.verify) {
    const problems = await verifyChanges(ctx, changes);
    if (problems.length) throw await rollBack(ctx, changes, `verify failed: ${problems.slice(0, 5).join('; ')}`);
    log.info('realtime.verified', { objects: changes.length });
  }
  // what Git says is the record also in report mode: a row left edited by hand stays drift until put back
  await writeRecord(ctx.stateDir, desired);
  const corrected = ctx.drift.mode === 'correct' && drifted.length > 0;
  return end(corrected ? 'drift-corrected' : 'applied', corrected ? 'DriftCorrected' : 'Applied',
    `${corrected ? 'drift corrected: wrote' : 'wrote'} ${summary}, no reload${ctx.verify ? ', verified on Asterisk' : ' (verify is off)'}`);
}

async function verifyChanges(ctx: RealtimeContext, changes: RowChange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of changes) {
    const r = await checkObject(ctx.target, ctx.asterisk, c);
    if (!r.ok) problems.push(`${r.table} ${r.id}: ${r.problem}`);
  }
  return problems;
}

/** Write every changed row back as it was, in one transaction; the error says whether that worked. */
async function rollBack(ctx: RealtimeContext, changes: RowChange[], why: string): Promise<PassError> {
  try {
    await runTransaction(ctx.target, ctx.database, restoreSql(changes), ctx.sqlite);
  } catch (err) {
    ctx.log.error('realtime.rollback-failed', { error: messageOf(err) });
    return failed('VerifyFailed', `${why}; rolling the rows back FAILED (${messageOf(err)}): the tables hold the new rows`);
  }
  ctx.log.warn('realtime.rolled-back', { rows: changes.length });
  return failed('VerifyFailed', `${why}; the ${changes.length} changed rows were written back as they were`);
}

/** The whole strategy from a compiled model. */
export function applyRealtimeModel(ctx: RealtimeContext, model: Pick<CompiledModel, 'sections'>): Promise<RealtimeOutcome> {
  return applyRealtime(ctx, rowsOfModel(model));
}
