// The realtime strategy against a real Asterisk 22.10.1 reading SQLite realtime tables (res_config_sqlite3,
// no cache): the shipped extensions applied as rows register; no listing shows a realtime object (so
// verify cannot read existence from one); a changed password row works on the next REGISTER with no
// reload at all; a row Asterisk refuses is rolled back to the rows it replaced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../../compiler/realtime-schema.js';
import type { RealtimeRows } from '../../compiler/realtime-rows.js';
import { createLogger } from '../../reconciler/log.js';
import { PassError } from '../../reconciler/errors.js';
import { createTables, readRows } from '../../reconciler/realtime/sqlite.js';
import { checkRealtimeHost } from '../../reconciler/realtime/host-check.js';
import { applyRealtime, rowsOfModel, type RealtimeContext } from '../../reconciler/realtime/strategy.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import type { ExecResult } from '../../reconciler/target.js';
import { startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { findSipp, runSipp, sippReport } from '../helpers/sipp.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let shipped: Shipped;
let work: string;
let database: string;
const a = () => ast!;

/** The local target, remembering every command it ran (to show that none reloaded anything). */
class RecordingTarget extends LocalTarget {
  readonly commands: string[][] = [];
  override exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    this.commands.push(argv);
    return super.exec(argv, timeoutMs);
  }
  override execWithInput(argv: string[], input: string, timeoutMs: number): Promise<ExecResult> {
    this.commands.push(argv);
    return super.execWithInput(argv, input, timeoutMs);
  }
}

const logLines: string[] = [];
function context(target: RecordingTarget): RealtimeContext {
  return { target, database, asterisk: { cli: a().cliArgv, timeoutMs: 30_000 }, log: createLogger({ write: (l) => { logLines.push(l); } }),
    guards: { maxDeletions: 5, allowEmpty: false }, drift: { mode: 'correct' }, verify: true, stateDir: join(work, 'state') };
}

test.before(async () => {
  if (!findSipp()) throw new Error('sipp is not installed (Debian package sip-tester)');
  shipped = await compileShipped();
  work = mkdtempSync(join(tmpdir(), 'real-realtime-'));
  database = join(work, 'realtime.sqlite3');
  await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
  ast = await startAsterisk({ realtime: { database } });
});
test.after(async () => {
  await ast?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const register = (n: string, password: string, scenario = 'register.xml') =>
  runSipp({ scenario, service: n, auth: { user: n, password }, cwd: work, remotePort: a().udpPort });

test('the shipped extensions applied as rows: verified on Asterisk, and 6010 registers', withLog(a, async () => {
  const target = new RecordingTarget();
  const out = await applyRealtime(context(target), rowsOfModel(shipped.model));
  assert.is(out.result, 'applied', out.message);
  assert.is(out.changes.length, 24 * 3);
  assert.is(out.extensions.added.length, 24);
  assert.match(await a().cli('pjsip show endpoint 6010'), /callerid\s+:\s+"Softphone 1" <6010>/);
  const r = await register('6010', shipped.password('6010'));
  assert.is(r.code, 0, sippReport(r, shipped.password('6010')));
  // a second apply of the same rows writes nothing
  assert.is((await applyRealtime(context(target), rowsOfModel(shipped.model))).result, 'unchanged');
}));

test('Asterisk lists no realtime object (res_config_sqlite3 hands a multi-row fetch NULL columns as empty values): verify shows its sample one by one and looks for the rest in the tables', withLog(a, async () => {
  // the rows of the shipped extensions are in the tables (the first test) and each shows on its own
  assert.match(await a().cli('pjsip show endpoint 6010'), /callerid\s+:\s+"Softphone 1" <6010>/);
  assert.match(await a().cli('pjsip show aor 6010'), /max_contacts\s+:\s+\d+/);
  for (const listing of ['pjsip show endpoints', 'pjsip list endpoints', 'pjsip show aors', 'pjsip list aors like ^', 'pjsip show auths']) {
    assert.match(await a().cli(listing), /^\s*No objects found\.\s*$/, `${listing} listed realtime objects: verify could read existence from it`);
  }
  assert.match(a().logText(), /Error parsing 100rel= /);
}));

test('a changed password row: the next REGISTER needs the new password, with no reload', withLog(a, async () => {
  const target = new RecordingTarget();
  const rows: RealtimeRows = rowsOfModel(shipped.model);
  const fresh = 'Fresh-Realtime-Pw-6010';
  rows.ps_auths['6010-iauth']!.password = fresh;
  const out = await applyRealtime(context(target), rows);
  assert.is(out.result, 'applied', out.message);
  assert.equal(out.changes.map((c) => `${c.table} ${c.id} ${c.columns.join(',')}`), ['ps_auths 6010-iauth password']);
  assert.not.ok(target.commands.some((argv) => argv.some((w) => /reload/.test(w))), target.commands.map((c) => c.join(' ')).join('\n'));
  const ok = await register('6010', fresh);
  assert.is(ok.code, 0, sippReport(ok, fresh));
  const old = await register('6010', shipped.password('6010'), 'register-refused.xml');
  assert.is(old.code, 0, sippReport(old, shipped.password('6010')));
  assert.not.ok(logLines.some((l) => l.includes(fresh) || l.includes(shipped.password('6010'))), 'a password reached the log');
}));

test('a row Asterisk refuses is found by verify and the old rows are written back', withLog(a, async () => {
  const target = new RecordingTarget();
  const before = await readRows(target, database);
  const rows = structuredClone(before);
  // a value the endpoint's parser rejects: Asterisk then has no endpoint 6011 at all
  rows.ps_endpoints['6011']!.dtmf_mode = 'bogus';
  rows.ps_endpoints['6012']!.callerid = '"Renamed" <6012>';
  const err = await applyRealtime(context(target), rows).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof PassError && err.reason === 'VerifyFailed', String(err));
  assert.match((err as PassError).message, /ps_endpoints 6011: not loaded/);
  assert.equal(await readRows(target, database), before);
  assert.match(await a().cli('pjsip show endpoint 6011'), /callerid\s+:\s+"Softphone 2" <6011>/);
  assert.match(await a().cli('pjsip show endpoint 6012'), /<6012>/);
  assert.not.match(await a().cli('pjsip show endpoint 6012'), /Renamed/);
}));

/** The host check against an Asterisk, its error (or null) and whether the tables are as they were. */
async function hostCheck(on: RealAsterisk, probe = true): Promise<{ err: PassError | null; tablesKept: boolean }> {
  const target = new RecordingTarget();
  const before = await readRows(target, database);
  const err = await checkRealtimeHost({ ...context(target), asterisk: { cli: on.cliArgv, timeoutMs: 30_000 } }, { probe })
    .then(() => null, (e: unknown) => { if (e instanceof PassError) return e; throw e; });
  return { err, tablesKept: JSON.stringify(await readRows(target, database)) === JSON.stringify(before) };
}

test('host check: an Asterisk configured as realtime setup says passes, and no probe row is left behind', withLog(a, async () => {
  const r = await hostCheck(a());
  assert.is(r.err, null, r.err?.message);
  assert.ok(r.tablesKept);
}));

/** A second Asterisk on the same database, one of its realtime lines changed or left out. */
async function misconfigured(files: Record<string, string>, check: (r: Awaited<ReturnType<typeof hostCheck>>) => void, probe = true): Promise<void> {
  const other = await startAsterisk({ realtime: { database }, files });
  try {
    const r = await hostCheck(other, probe);
    check(r);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- log ---\n${other.logTail()}`);
  } finally {
    await other.stop();
  }
}

test('host check: sorcery.conf without the aor mapping is refused, naming the line; the probe rows are gone', async () => {
  await misconfigured({ 'sorcery.conf': '[res_pjsip]\nendpoint=realtime,ps_endpoints\nauth=realtime,ps_auths\n' }, (r) => {
    assert.ok(r.err, 'the check passed');
    assert.is(r.err!.reason, 'RealtimeNotConfigured');
    assert.is(r.err!.kind, 'stalled');
    assert.match(r.err!.message, 'sorcery.conf [res_pjsip] has no `aor=realtime,ps_aors`');
    assert.not.match(r.err!.message, /endpoint=realtime|auth=realtime/);
    assert.ok(r.tablesKept);
  });
  // a dry run writes no probe: what it can ask without one passes
  await misconfigured({ 'sorcery.conf': '[res_pjsip]\n' }, (r) => assert.is(r.err, null, r.err?.message), false);
});

test('host check: extconfig.conf without ps_auths, and res_config_sqlite3 reading another file, are named', async () => {
  // (with sorcery.conf mapping auth to a family extconfig lacks, res_pjsip itself declines to load)
  await misconfigured({ 'extconfig.conf': '[settings]\nps_endpoints => sqlite3,asterisk,ps_endpoints\nps_aors => sqlite3,asterisk,ps_aors\n',
    'sorcery.conf': '[res_pjsip]\nendpoint=realtime,ps_endpoints\naor=realtime,ps_aors\n' }, (r) => {
    assert.is(r.err?.reason, 'RealtimeNotConfigured');
    assert.match(r.err!.message, 'extconfig.conf [settings] has no `ps_auths => sqlite3,asterisk,ps_auths`');
  }, false);
  const elsewhere = join(work, 'other.sqlite3');
  await createTables(new LocalTarget(), elsewhere, REALTIME_TABLES.map(createTableSql));
  await misconfigured({ 'res_config_sqlite3.conf': `[asterisk]\ndbfile => ${elsewhere}\nrequirements = warn\nbatch = 0\n` }, (r) => {
    assert.is(r.err?.reason, 'RealtimeNotConfigured');
    assert.match(r.err!.message, `res_config_sqlite3.conf [asterisk] reads another file than ${database}`);
    assert.ok(r.tablesKept);
  });
});

test.run();
