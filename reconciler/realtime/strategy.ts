// The realtime strategy's deploy: instead of write + reload, the changed rows of ps_endpoints, ps_aors
// and ps_auths in one transaction, which Asterisk reads on the next request — no reload, no stall of
// unrelated registrations. The same guarantees as the file: declarative (rows not in Git go), guarded,
// drift found, changed objects verified on Asterisk (past VALUE_CHECKED_MAX extensions a sample,
// as the file strategy's verify: ./verify.ts), the old rows written back on failure.
import { REALTIME_TABLES } from '../../compiler/realtime-schema.js';
import { isSecretColumn, realtimeRows, type RealtimeRows } from '../../compiler/realtime-rows.js';
import type { CompiledModel, ExtensionModel } from '../../compiler/types.js';
import type { AsteriskOptions } from '../asterisk.js';
import { failed, messageOf, PassError, stalled, transient } from '../errors.js';
import type { Logger } from '../log.js';
import type { ExtensionChanges, PassOutcome, Reason } from '../pass-types.js';
import type { Target } from '../target.js';
import { readRecord, writeRecord, type RealtimeRecord } from './record.js';
import { changeSql, deletedEndpoints, describeChange, diffRows, digestsOf, driftedRows, extensionOf, restoreSql,
  type RowChange } from './rows-diff.js';
import { readRows, runTransaction, SqliteError, type SqliteOptions } from './sqlite.js';
import { verifyRows } from './verify.js';

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
  /** sha256 of the compiled file the rows come from, kept in the record (a pass stops early on it) */
  contentSha?: string;
  /** the compiled model's extensions the rows come from: verify's sample takes their kinds (without: the rows' shapes) */
  extensions?: readonly ExtensionModel[];
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

/** The compiled model's rows, or a stalled error naming what realtime cannot express. */
export function rowsOfModel(model: Pick<CompiledModel, 'sections'>): RealtimeRows {
  const r = realtimeRows(model);
  if (r.ok) return r.rows;
  const shown = r.problems.slice(0, 5).map((p) => `${p.extension}: ${p.message}`).join('; ');
  throw stalled('CompileFailed', `the extensions cannot be written as realtime rows (${r.problems.length} problems): ${shown}`);
}

export function learnSecrets(log: Logger, rows: RealtimeRows): void {
  for (const t of REALTIME_TABLES) {
    for (const row of Object.values(rows[t])) for (const [k, v] of Object.entries(row)) if (isSecretColumn(t, k)) log.addSecret(v);
  }
}

export function sqliteError(err: unknown, what: string): PassError {
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

/** What the tables hold now; a failure to read them is the pass's error. */
export async function readCurrentRows(ctx: Pick<RealtimeContext, 'target' | 'database' | 'sqlite' | 'log'>): Promise<RealtimeRows> {
  let current: RealtimeRows;
  try {
    current = await readRows(ctx.target, ctx.database, ctx.sqlite);
  } catch (err) {
    throw sqliteError(err, 'cannot read the realtime tables');
  }
  learnSecrets(ctx.log, current);
  return current;
}

/** The rows to write to make the tables what Git says, the rows edited by hand, and the extensions touched. */
export interface RealtimePlan {
  current: RealtimeRows;
  desired: RealtimeRows;
  changes: RowChange[];
  /** rows found changed by hand since the last apply */
  drifted: { table: string; id: string }[];
  extensions: ExtensionChanges;
}

/** Pure: the change from the tables as found to Git's rows; in drift report mode rows edited by hand are left out. */
export function planRealtime(current: RealtimeRows, desired: RealtimeRows, record: RealtimeRecord | undefined, driftMode: 'correct' | 'report'): RealtimePlan {
  const drifted = driftedRows(current, record?.rows);
  let changes = diffRows(current, desired);
  if (drifted.length && driftMode === 'report') {
    // only what the commit changes is written; rows edited by hand stay as they are, reported
    const byHand = new Set(drifted.map((d) => `${d.table}/${d.id}`));
    const desiredDigests = digestsOf(desired);
    changes = changes.filter((c) => !byHand.has(`${c.table}/${c.id}`) || desiredDigests[c.table][c.id] !== record?.rows[c.table]?.[c.id]);
  }
  return { current, desired, changes, drifted, extensions: extensionChanges(changes) };
}

/** Apply Git's rows to the realtime tables: diff, guard, one transaction, verify, roll back on failure. */
export async function applyRealtime(ctx: RealtimeContext, desired: RealtimeRows): Promise<RealtimeOutcome> {
  learnSecrets(ctx.log, desired);
  const current = await readCurrentRows(ctx);
  return applyPlan(ctx, planRealtime(current, desired, await readRecord(ctx.stateDir), ctx.drift.mode));
}

/** Write a plan's rows (guarded, one transaction), verify them on Asterisk, and record what the tables now hold. */
export async function applyPlan(ctx: RealtimeContext, plan: RealtimePlan): Promise<RealtimeOutcome> {
  const { target, database, log } = ctx;
  const { current, desired, changes, drifted, extensions } = plan;
  learnSecrets(log, desired);
  if (drifted.length) log.warn('realtime.drift', { rows: drifted.slice(0, 50), count: drifted.length, mode: ctx.drift.mode });
  const end = (result: RealtimeOutcome['result'], reason: Reason, message: string): RealtimeOutcome =>
    ({ result, reason, message, changes, drifted, extensions });
  if (!changes.length) {
    if (drifted.length && ctx.drift.mode === 'report') return end('drift-reported', 'DriftDetected', `${drifted.length} realtime rows differ from Git (edited by hand); drift.mode is report: left as they are`);
    if (!ctx.dryRun) await writeRecord(ctx.stateDir, desired, ctx.contentSha);
    return end('unchanged', 'Unchanged', 'the realtime tables already hold what Git says');
  }
  guard(ctx, current, desired, changes);
  const summary = describePlan(plan);
  if (ctx.dryRun) return end('dry-run', 'DryRun', `would write ${summary}`);

  try {
    await runTransaction(target, database, changes.map(changeSql), ctx.sqlite);
  } catch (err) {
    // one transaction: a failed one wrote nothing
    throw sqliteError(err, 'the realtime rows were not written (nothing changed)');
  }
  log.info('realtime.written', { rows: changes.length, changes: changes.slice(0, 50).map(describeChange) });

  if (ctx.verify) {
    const v = await verifyRows(target, ctx.asterisk, database, ctx.sqlite, changes, ctx.extensions);
    if (v.existenceOnly > 0) {
      log.info('verify.sampled', { changed: v.changed, valueChecked: v.valueChecked, existenceOnly: v.existenceOnly, kinds: v.kinds,
        objectsShown: v.objectsShown, rowsByIds: v.rowsByIds,
        note: `the rows of ${v.valueChecked} of the ${v.changed} changed extensions shown on Asterisk (each of the ${v.kinds} kinds, ` +
          'the first, the last, the rest spread over the range); the others looked for in the tables (Asterisk lists no realtime object)' });
    }
    if (v.problems.length) throw await rollBack(ctx, changes, `verify failed: ${v.problems.slice(0, 5).join('; ')}`);
    log.info('realtime.verified', { objects: changes.length, shown: v.objectsShown, byIds: v.rowsByIds });
  }
  // what Git says is the record also in report mode: a row left edited by hand stays drift until put back
  await writeRecord(ctx.stateDir, desired, ctx.contentSha);
  const corrected = ctx.drift.mode === 'correct' && drifted.length > 0;
  return end(corrected ? 'drift-corrected' : 'applied', corrected ? 'DriftCorrected' : 'Applied',
    `${corrected ? 'drift corrected: wrote' : 'wrote'} ${summary}, no reload${ctx.verify ? ', verified on Asterisk' : ' (verify is off)'}`);
}

/** "3 rows (1 added, 0 changed, 0 removed extensions)" */
export function describePlan(plan: Pick<RealtimePlan, 'changes' | 'extensions'>): string {
  const e = plan.extensions;
  return `${plan.changes.length} rows (${e.added.length} added, ${e.changed.length} changed, ${e.removed.length} removed extensions)`;
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
export function applyRealtimeModel(ctx: RealtimeContext, model: Pick<CompiledModel, 'sections' | 'extensions'>): Promise<RealtimeOutcome> {
  return applyRealtime({ extensions: model.extensions, ...ctx }, rowsOfModel(model));
}
