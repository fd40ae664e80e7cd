// The realtime strategy's part of a pass, called from the source and check phases: the live state is
// the rows of ps_endpoints, ps_aors and ps_auths (the wizard file is neither read nor written), the
// change is a row diff, and the no-change decision and the dry run speak of rows. What a step learns
// is kept per pass for the next one: the rows read once, the plan worked out once. A pass whose later
// phases run in a process of their own (reconciler/changed-pass) hands them the rows the source
// phase read, as the source phase's live data (JSON), so the tables are read once there too.
import { rowsOfModel, learnSecrets, planRealtime, readCurrentRows, describePlan, type RealtimeContext, type RealtimePlan } from './strategy.js';
import { checkRealtimeHost } from './host-check.js';
import { readRecord, contentOfTables, type RealtimeRecord } from './record.js';
import { dropFingerprint, keepFingerprint, statDatabase, unchangedContent } from './fingerprint.js';
import { describeChange, type RowChange } from './rows-diff.js';
import { effectivePolicy } from '../../compiler/plan/guards.js';
import { REALTIME_TABLES, type RealtimeRows } from '../../compiler/realtime-rows.js';
import type { ReconcilerConfig } from '../config.js';
import { messageOf, stalled } from '../errors.js';
import type { DryRunPreview } from '../pass-types.js';
import { PreviewStop } from '../steps/preview.js';
import { Stop, type Checked, type Compiled, type LiveFile, type PassRun } from '../steps/types.js';

export function usesRealtime(config: ReconcilerConfig): boolean {
  return config.target.strategy === 'realtime-sqlite';
}

/** What the pass is writing to: the words its messages use. */
export function liveWords(config: ReconcilerConfig): string {
  return usesRealtime(config) ? `the realtime rows in ${config.target.realtime?.database ?? '(no database)'}` : config.target.liveFile;
}

interface Found {
  /** absent when the database's fingerprint spared the read (filled when the compare needs the rows) */
  current?: RealtimeRows;
  record?: RealtimeRecord;
  /** the content the source phase took as live from the fingerprint, without reading */
  unread?: string;
  plan?: RealtimePlan;
}

const found = new WeakMap<PassRun, Found>();

/** The realtime context of a pass (the deploy phase's, the host check's). */
export function realtimeContext(pass: PassRun, over: Partial<RealtimeContext> = {}): RealtimeContext {
  const { config, target, log } = pass.deps;
  const database = config.target.realtime?.database;
  if (!database) throw stalled('TargetRefused', 'target.strategy is realtime-sqlite but target.realtime.database is not set');
  return { target, database, log, verify: config.verify, drift: config.drift, stateDir: config.stateDir,
    asterisk: { cli: config.asterisk.cli, timeoutMs: config.asterisk.timeoutMs },
    guards: effectivePolicy(undefined, config.guards), // the deploy phase hands in site.yaml's, tightened by these
    dryRun: pass.options.dryRun, ...over };
}

/**
 * The source phase's "live file" under realtime: the rows as found. Its sha is the content last applied
 * when the tables still hold exactly the rows written for it (by the record's digests), '' otherwise —
 * so the up-to-date decision stops a pass with nothing new in Git and no row edited by hand. When the
 * database's fingerprint is the one kept after the last read that matched the record (fingerprint.ts),
 * the database has not been written since and the rows are not read; the compare reads them if a
 * new commit needs them.
 */
export async function readLiveRows(pass: PassRun): Promise<LiveFile> {
  const ctx = realtimeContext(pass);
  const stat = await statDatabase(ctx.target, ctx.database, ctx.sqlite?.timeoutMs);
  const unread = await unchangedContent(ctx.stateDir, stat);
  if (unread) {
    found.set(pass, { unread });
    return noteLive(pass, unread);
  }
  const f = await readFound(ctx);
  found.set(pass, f);
  const sha = contentOfTables(f.current!, f.record);
  // kept only from this stat, taken before the read, and only when the rows were the record's
  // (a cache: a state dir that refuses it costs the next pass a read, not this pass)
  if (!pass.options.dryRun) {
    await keepFingerprint(ctx.stateDir, stat, sha).catch((err: unknown) => ctx.log.warn('realtime.fingerprint-not-kept', { error: messageOf(err) }));
  }
  noteLive(pass, sha);
  // the rows go along with the source phase's result only (not the pass's notes, whose live data a
  // pass that wrote nothing would keep as the file strategy's verified copy)
  return { data: rowsData(f.current!), sha };
}

/** The rows as the source phase's live data: what a later phase run elsewhere reads instead of the tables. */
function rowsData(rows: RealtimeRows): Buffer {
  return Buffer.from(JSON.stringify({ realtimeRows: rows }), 'utf8');
}

function rowsOfData(data: Buffer | null | undefined): RealtimeRows | undefined {
  if (!data?.length) return undefined;
  try {
    const rows = (JSON.parse(data.toString('utf8')) as { realtimeRows?: RealtimeRows }).realtimeRows;
    return rows && REALTIME_TABLES.every((t) => typeof rows[t] === 'object' && rows[t] !== null) ? rows : undefined;
  } catch {
    return undefined;
  }
}

async function readFound(ctx: RealtimeContext): Promise<Found> {
  const current = await readCurrentRows(ctx);
  return { current, record: await readRecord(ctx.stateDir) };
}

function noteLive(pass: PassRun, sha: string): LiveFile {
  const live = { data: null, sha };
  pass.notes.live = live;
  return live;
}

/**
 * The rows and the record of this pass, read now when the source phase was spared reading them. In
 * a process of its own the pass has only the source phase's result: the rows it read (`live`), or
 * none when the fingerprint spared the read (read now, once).
 */
async function rowsFound(pass: PassRun, live?: LiveFile): Promise<Found & { current: RealtimeRows }> {
  let f = found.get(pass);
  const handed = f ? undefined : rowsOfData(live?.data);
  if (handed) {
    const ctx = realtimeContext(pass);
    learnSecrets(ctx.log, handed);
    f = { current: handed, record: await readRecord(ctx.stateDir) };
    found.set(pass, f);
    noteLive(pass, live!.sha);
  }
  if (!f) return (await readLiveRows(pass), rowsFound(pass));
  if (!f.current) {
    const ctx = realtimeContext(pass);
    f = { ...f, ...(await readFound(ctx)) };
    found.set(pass, f);
    const sha = contentOfTables(f.current!, f.record);
    // written since the stat (between it and this read): the kept fingerprint is no longer this database's
    if (sha !== f.unread && !pass.options.dryRun) {
      await dropFingerprint(ctx.stateDir).catch((err: unknown) => ctx.log.warn('realtime.fingerprint-not-dropped', { error: messageOf(err) }));
    }
    noteLive(pass, sha);
  }
  return f as Found & { current: RealtimeRows };
}

/** The check phase's compare under realtime: Git's rows against the rows found, or a Stop when none is to be written. */
export async function compareRows(pass: PassRun, input: Compiled): Promise<Checked | Stop> {
  const f = await rowsFound(pass, input.live);
  const { log, config } = pass.deps;
  const desired = rowsOfModel(input.compiled.model);
  learnSecrets(log, desired);
  const plan = planRealtime(f.current, desired, f.record, config.drift.mode);
  f.plan = plan;
  pass.notes.changes = plan.extensions;
  const where = liveWords(config);
  if (plan.drifted.length) pass.notes.drift = true;
  // a pass that goes on to write logs the drift when it writes (applyPlan)
  if (plan.drifted.length && (!plan.changes.length || pass.options.dryRun)) {
    log.warn('realtime.drift', { rows: plan.drifted.slice(0, 50), count: plan.drifted.length, mode: config.drift.mode });
  }
  if (!plan.changes.length) {
    if (plan.drifted.length) {
      return new Stop('drift-reported', 'DriftDetected',
        `${plan.drifted.length} rows of ${where} differ from Git (edited by hand); drift mode is report, so they were left as they are`);
    }
    return new Stop('unchanged', 'Unchanged',
      `nothing Asterisk sees changed: ${where} already hold commit ${input.commit.slice(0, 12)}'s ${Object.keys(desired.ps_endpoints).length} extensions`);
  }
  return { ...input, changes: plan.extensions, drift: plan.drifted.length > 0 };
}

/** The host check before any row is written: Asterisk reads these tables of this database (probe rows outside dry runs). */
export function checkRealtimeHostOf(pass: PassRun): Promise<void> {
  return checkRealtimeHost(realtimeContext(pass), { probe: !pass.options.dryRun });
}

/** The plan the compare step worked out for this pass (the deploy phase writes exactly it). */
export function plannedRows(pass: PassRun): RealtimePlan | undefined {
  return found.get(pass)?.plan;
}

/** A realtime dry run's end: the rows it would write, and no reload. */
export function rowsDryRunEnd(pass: PassRun, input: Checked): Stop {
  const plan = plannedRows(pass);
  const c = input.changes;
  const detail = [c.added.length ? `add ${c.added.join(', ')}` : '', c.removed.length ? `remove ${c.removed.join(', ')}` : '',
    c.changed.length ? `change ${c.changed.join(', ')}` : ''].filter(Boolean).join('; ');
  const what = plan ? describePlan(plan) : `+${c.added.length} -${c.removed.length} ~${c.changed.length} extensions`;
  return new PreviewStop('dry-run', 'DryRun',
    `would ${input.drift ? 'correct drift in' : 'write'} ${what} to ${liveWords(pass.deps.config)}${detail ? `: ${detail}` : ''}, ` +
    'with no reload; nothing was changed', () => rowsPreview(pass, plan?.changes ?? [], c));
}

const SIGN = { insert: '+', update: '~', delete: '-' } as const;

/** Each row change as a line, values shown only for changed columns, every secret column (secret). */
export function rowsPreview(pass: PassRun, changes: readonly RowChange[], extensions: Checked['changes']): DryRunPreview {
  const redact = (s: string) => pass.deps.log.redact(s);
  const lines = changes.map((ch) => {
    const d = describeChange(ch) as { columns: string[]; before?: Record<string, string>; after?: Record<string, string> };
    return redact(`${SIGN[ch.kind]} ${ch.table} ${ch.id}${ch.kind === 'update' ? `: ${d.columns.join(', ')}` : ''}`);
  });
  const diff = changes.filter((ch) => ch.kind === 'update').flatMap((ch) => {
    const d = describeChange(ch) as { before: Record<string, string>; after: Record<string, string> };
    return ch.columns.map((k) => redact(`~ ${ch.table} ${ch.id} ${k}: ${d.before[k] ?? '(NULL)'} → ${d.after[k] ?? '(NULL)'}`));
  }).join('\n');
  return { lines, changes: { added: extensions.added, removed: extensions.removed, changed: extensions.changed, site: [] }, diff };
}
