// The compiled model as realtime rows, and the diff between rows as SQL: pure, no database.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/compile.js';
import { realtimeRows, redactRow, type RealtimeRows } from '../compiler/realtime-rows.js';
import { createTableSql, realtimeColumns, realtimeSetupText } from '../compiler/realtime-schema.js';
import type { WizardSection } from '../compiler/types.js';
import { changeSql, describeChange, diffRows, digestsOf, driftedRows, restoreSql, sqlString } from '../reconciler/realtime/rows-diff.js';
import { ROOT } from './helpers/cli.js';

function shippedModel() {
  const dir = join(ROOT, 'extensions');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
  const r = compile(sources);
  if (!r.ok) throw new Error('the shipped extensions do not compile');
  return r.model;
}

function rowsOf(sections: WizardSection[]): RealtimeRows {
  const r = realtimeRows({ sections });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.rows;
}

const opt = (key: string, value: string) => ({ key, value });
const BASE: WizardSection = { name: 'base', isTemplate: true, templates: [], options: [
  opt('accepts_auth', 'yes'), opt('accepts_registrations', 'yes'), opt('aor/max_contacts', '5'), opt('endpoint/context', 'internal')] };
const ext = (n: string, extra: { key: string; value: string }[] = []): WizardSection => ({ name: n, isTemplate: false, templates: ['base'],
  options: [opt('type', 'wizard'), opt('transport', 'transport-udp'), ...extra, opt('inbound_auth/username', n), { key: 'inbound_auth/password', value: `pw-${n}`, secret: true }] });

test('a shipped softphone: what the wizard would make, the wizard\'s own fields written out', () => {
  const rows = rowsOf(shippedModel().sections);
  assert.equal(rows.ps_aors['6010'], { id: '6010', max_contacts: '5' });
  assert.equal(rows.ps_auths['6010-iauth'], { id: '6010-iauth', auth_type: 'userpass', password: 'Maja1234', username: '6010' });
  const e = rows.ps_endpoints['6010']!;
  assert.is(e.aors, '6010');
  assert.is(e.auth, '6010-iauth');
  assert.is(e.transport, 'transport-udp');
  assert.is(e.callerid, '"Softphone 1" <6010>');
  assert.is(e.disallow, 'all');
  assert.is(e.allow, 'g722,ulaw,alaw');
  assert.is(rowsOf(shippedModel().sections).ps_endpoints['6000']!.allow, 'g722,ulaw,alaw,opus', 'the template\'s codecs win over the defaults\'');
  assert.is(Object.keys(rows.ps_endpoints).length, 24);
});

test('deterministic: the same model gives byte-identical rows, ids and columns in a fixed order', () => {
  const a = JSON.stringify(rowsOf(shippedModel().sections));
  assert.is(JSON.stringify(rowsOf([...shippedModel().sections].reverse())), a);
  assert.equal(Object.keys(rowsOf(shippedModel().sections).ps_endpoints['6010']!)[0], 'id');
});

test('the password column is flagged secret and redacted; other columns are not', () => {
  const auth = rowsOf([BASE, ext('6010')]).ps_auths['6010-iauth']!;
  assert.equal(redactRow('ps_auths', auth), { ...auth, password: '(secret)' });
  assert.equal(redactRow('ps_endpoints', { id: '6010', password: 'x' }), { id: '6010', password: 'x' });
});

test('what realtime cannot write is refused by name, never dropped', () => {
  const cases: [string, WizardSection][] = [
    ['remote_hosts', ext('7000', [opt('remote_hosts', 'sip.example.com')])],
    ['sends_registrations', ext('7001', [opt('sends_registrations', 'yes')])],
    ['accepts_registrations', { ...ext('7002'), options: ext('7002').options.concat([opt('accepts_registrations', 'no')]) }],
  ];
  for (const [key, section] of cases) {
    const r = realtimeRows({ sections: [BASE, section] });
    assert.ok(!r.ok && r.problems.some((p) => p.key === key && p.extension === section.name), key);
  }
  assert.ok(realtimeRows({ sections: [BASE, ext('7003', [opt('sends_auth', 'no')])] }).ok, 'an option that is off makes nothing');
});

test('disallow comes right before allow in the table (Asterisk applies columns in order)', () => {
  const cols = realtimeColumns('ps_endpoints');
  assert.is(cols[0], 'id');
  assert.is(cols.indexOf('disallow') + 1, cols.indexOf('allow'));
  assert.ok(createTableSql('ps_auths').includes('  "password" TEXT'));
  const setup = realtimeSetupText('/var/lib/asterisk/realtime.sqlite3');
  for (const line of ['endpoint=realtime,ps_endpoints', 'ps_auths => sqlite3,asterisk,ps_auths', 'dbfile => /var/lib/asterisk/realtime.sqlite3', 'batch = 0', 'CREATE TABLE IF NOT EXISTS ps_aors']) {
    assert.ok(setup.includes(line), line);
  }
});

test('diff: inserts, updates of only the differing columns, deletes of rows not in Git', () => {
  const before = rowsOf([BASE, ext('6010'), ext('6011')]);
  const after = rowsOf([BASE, ext('6010', [opt('endpoint/callerid', '"New" <6010>')]), ext('6012')]);
  const changes = diffRows(before, after);
  assert.equal(changes.map((c) => `${c.kind} ${c.table} ${c.id}`), [
    'update ps_endpoints 6010', 'delete ps_endpoints 6011', 'insert ps_endpoints 6012',
    'delete ps_aors 6011', 'insert ps_aors 6012', 'delete ps_auths 6011-iauth', 'insert ps_auths 6012-iauth']);
  assert.equal(changes[0]!.columns, ['callerid']);
  assert.is(changeSql(changes[0]!), `UPDATE ps_endpoints SET "callerid" = '"New" <6010>' WHERE id = '6010';`);
  assert.equal(diffRows(after, after), []);
});

test('a column Git no longer sets is written NULL; restore puts back exactly the old row', () => {
  const before = rowsOf([BASE, ext('6010', [opt('endpoint/language', 'de')])]);
  const after = rowsOf([BASE, ext('6010')]);
  const [c] = diffRows(before, after);
  assert.is(changeSql(c!), `UPDATE ps_endpoints SET "language" = NULL WHERE id = '6010';`);
  assert.ok(restoreSql([c!])[0]!.includes(`'de'`));
});

test('values are SQL literals: a quote is doubled, a line break or NUL is refused', () => {
  assert.is(sqlString(`it's'); DROP TABLE ps_auths; --`), `'it''s''); DROP TABLE ps_auths; --'`);
  assert.is(sqlString('a\tb'), `'a\tb'`);
  for (const bad of ['a\nb', 'a\rb', 'a\u0000b']) assert.throws(() => sqlString(bad));
});

test('no password in what a change shows', () => {
  const before = rowsOf([BASE, ext('6010')]);
  const after = rowsOf([BASE, ext('6010')]);
  after.ps_auths['6010-iauth']!.password = 'new-secret-pw';
  const shown = JSON.stringify(diffRows(before, after).map(describeChange));
  assert.not.ok(shown.includes('new-secret-pw') || shown.includes('pw-6010'));
  assert.ok(shown.includes('password (secret)'));
});

test('drift: rows that differ from the record of the last apply, and none without a record', () => {
  const applied = rowsOf([BASE, ext('6010'), ext('6011')]);
  const now = structuredClone(applied);
  now.ps_aors['6010']!.max_contacts = '1';
  delete now.ps_endpoints['6011'];
  now.ps_aors['9999'] = { id: '9999' };
  assert.equal(driftedRows(now, digestsOf(applied)), [
    { table: 'ps_endpoints', id: '6011' }, { table: 'ps_aors', id: '6010' }, { table: 'ps_aors', id: '9999' }]);
  assert.equal(driftedRows(now, undefined), []);
});

test.run();
