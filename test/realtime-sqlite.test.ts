// The realtime strategy against real SQLite files through the real `sqlite3` command: one transaction
// (all or nothing), hostile values stored exactly, guards, drift in the table, dry runs. Asterisk is
// not involved here (verify off); test/real/realtime.test.ts runs the same flow against a real one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import { emptyRows, type RealtimeRows } from '../compiler/realtime-rows.js';
import { PassError } from '../reconciler/errors.js';
import { createLogger } from '../reconciler/log.js';
import { createTables, readRows, runTransaction } from '../reconciler/realtime/sqlite.js';
import { applyRealtime, type RealtimeContext } from '../reconciler/realtime/strategy.js';
import { LocalTarget } from '../reconciler/targets/local.js';

const target = new LocalTarget();
let dir: string;
let n = 0;
const logs: string[] = [];

async function freshDb(): Promise<{ database: string; ctx: (over?: Partial<RealtimeContext>) => RealtimeContext }> {
  const database = join(dir, `rt-${++n}.sqlite3`);
  await createTables(target, database, REALTIME_TABLES.map(createTableSql));
  const stateDir = join(dir, `state-${n}`);
  return { database, ctx: (over = {}) => ({ target, database, asterisk: {}, log: createLogger({ write: (l) => { logs.push(l); } }),
    guards: { maxDeletions: 2, allowEmpty: false }, drift: { mode: 'correct' }, verify: false, stateDir, ...over }) };
}

/** n extensions 6000… as the rows module makes them. */
function rows(count: number, password = (i: number) => `pw-${i}`): RealtimeRows {
  const out = emptyRows();
  for (let i = 0; i < count; i++) {
    const id = String(6000 + i);
    out.ps_endpoints[id] = { id, aors: id, auth: `${id}-iauth`, context: 'internal', transport: 'transport-udp' };
    out.ps_aors[id] = { id, max_contacts: '5' };
    out.ps_auths[`${id}-iauth`] = { id: `${id}-iauth`, auth_type: 'userpass', password: password(i), username: id };
  }
  return out;
}

test.before(() => { dir = mkdtempSync(join(tmpdir(), 'realtime-sqlite-')); });
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

test('first apply inserts every row; the tables then read back exactly as desired; a second apply writes nothing', async () => {
  const { database, ctx } = await freshDb();
  const want = rows(3);
  const out = await applyRealtime(ctx(), want);
  assert.is(out.result, 'applied');
  assert.equal(out.extensions, { added: ['6000', '6001', '6002'], removed: [], changed: [] });
  assert.equal(await readRows(target, database), want);
  assert.is((await applyRealtime(ctx(), want)).result, 'unchanged');
});

test('hostile values are stored byte for byte (quotes, SQL, a dot-command, a TAB), nothing else changes', async () => {
  const { database, ctx } = await freshDb();
  const want = rows(2);
  const hostile = [`it's'); DROP TABLE ps_auths; --`, '.shell touch pwned', 'tab\there "double" \\ back', 'ünïcödé ☎'];
  want.ps_endpoints['6000']!.callerid = hostile[0]!;
  want.ps_endpoints['6001']!.callerid = hostile[1]!;
  want.ps_auths['6000-iauth']!.password = hostile[2]!;
  want.ps_auths['6001-iauth']!.password = hostile[3]!;
  await applyRealtime(ctx(), want);
  assert.equal(await readRows(target, database), want);
});

test('one transaction: a statement that fails leaves every earlier one of it unwritten', async () => {
  const { database } = await freshDb();
  const err = await runTransaction(target, database, [
    `INSERT INTO ps_aors ("id") VALUES ('7000');`,
    `INSERT INTO ps_aors ("id") VALUES ('7000');`, // the primary key refuses it
  ]).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof Error && /UNIQUE/.test(err.message), String(err));
  assert.equal((await readRows(target, database)).ps_aors, {});
});

test('the stdin path takes a change far over the argument limit (10,000 extensions at once)', async () => {
  const { database, ctx } = await freshDb();
  const out = await applyRealtime(ctx({ guards: { maxDeletions: 0, allowEmpty: false } }), rows(10_000));
  assert.is(out.changes.length, 30_000);
  assert.is(Object.keys((await readRows(target, database)).ps_auths).length, 10_000);
});

test('declarative: a row not in Git is deleted; more deletions than the guard allows, or an empty table, are refused', async () => {
  const { database, ctx } = await freshDb();
  await applyRealtime(ctx(), rows(5));
  const out = await applyRealtime(ctx(), rows(4));
  assert.equal(out.extensions.removed, ['6004']);
  assert.not.ok('6004' in (await readRows(target, database)).ps_endpoints);
  for (const want of [rows(1), emptyRows()]) {
    const err = await applyRealtime(ctx({ guards: { maxDeletions: 10, allowEmpty: false } }), want).then(() => null, (e: unknown) => e);
    if (want.ps_endpoints['6000']) assert.ok(err === null, 'three deletions are under a guard of 10');
    else assert.ok(err instanceof PassError && err.reason === 'GuardRefused', String(err));
  }
  const refused = await applyRealtime(ctx(), emptyRows()).then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof PassError && refused.reason === 'GuardRefused');
  assert.is(Object.keys((await readRows(target, database)).ps_endpoints).length, 1, 'a refused change wrote nothing');
});

test('drift: a row changed by hand is put back (correct) or only reported (report), while Git changes still apply', async () => {
  const { database, ctx } = await freshDb();
  await applyRealtime(ctx(), rows(3));
  await runTransaction(target, database, [`UPDATE ps_aors SET "max_contacts" = '1' WHERE id = '6001';`]);
  const reported = await applyRealtime(ctx({ drift: { mode: 'report' } }), rows(3));
  assert.is(reported.result, 'drift-reported');
  assert.is((await readRows(target, database)).ps_aors['6001']!.max_contacts, '1');
  // a commit that changes another row: applied, the hand edit still left alone in report mode
  const next = rows(3);
  next.ps_endpoints['6002']!.context = 'lobby';
  const applied = await applyRealtime(ctx({ drift: { mode: 'report' } }), next);
  assert.equal(applied.changes.map((c) => `${c.table} ${c.id}`), ['ps_endpoints 6002']);
  assert.is((await readRows(target, database)).ps_aors['6001']!.max_contacts, '1');
  const corrected = await applyRealtime(ctx(), next);
  assert.is(corrected.result, 'drift-corrected');
  assert.equal(await readRows(target, database), next);
});

test('a dry run says what it would write and writes nothing; no password reaches a log line', async () => {
  const { database, ctx } = await freshDb();
  const out = await applyRealtime(ctx({ dryRun: true }), rows(2, (i) => `Very-Secret-${i}`));
  assert.is(out.result, 'dry-run');
  assert.equal((await readRows(target, database)).ps_endpoints, {});
  await applyRealtime(ctx(), rows(2, (i) => `Very-Secret-${i}`));
  await applyRealtime(ctx(), rows(2, (i) => `Other-Secret-${i}`));
  assert.ok(logs.some((l) => l.includes('realtime.written')));
  assert.not.ok(logs.some((l) => /Very-Secret|Other-Secret/.test(l)), logs.join(''));
});

test('a missing table is the host\'s to fix: stalled, with the command that prints the schema', async () => {
  const database = join(dir, 'empty.sqlite3');
  await runTransaction(target, database, ['CREATE TABLE x (id TEXT);']);
  const err = await applyRealtime({ target, database, asterisk: {}, log: createLogger({ write: () => {} }), guards: { maxDeletions: 5, allowEmpty: false },
    drift: { mode: 'correct' }, verify: false }, rows(1)).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof PassError && err.kind === 'stalled', String(err));
  assert.match((err as PassError).message, /realtime setup/);
});

test.run();
