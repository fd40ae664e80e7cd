// `import --realtime-sqlite`: the realtime tables of a real SQLite file (made with the project's CREATE
// TABLE statements, filled by the realtime strategy's own code) read back into extension files. Round
// trip: the shipped YAML → rows → import → YAML whose rows are the same rows; passwords moved to the
// secrets file as the wizard file's import moves them, never printed.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { compile, SITE_FILE } from '../compiler/compile.js';
import { wizardOfRows } from '../compiler/import-realtime.js';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import { emptyRows, type RealtimeRows } from '../compiler/realtime-rows.js';
import { createLogger } from '../reconciler/log.js';
import { createTables, runTransaction } from '../reconciler/realtime/sqlite.js';
import { applyRealtime, rowsOfModel } from '../reconciler/realtime/strategy.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { runCliInProcess } from './helpers/cli.js';
import { compileShipped } from './real/shipped.js';

const target = new LocalTarget();
let dir: string;
let n = 0;

test.before(() => { dir = mkdtempSync(join(tmpdir(), 'import-realtime-')); });
test.after(() => { rmSync(dir, { recursive: true, force: true }); });

/** A SQLite file with the project's tables, holding `rows` as the realtime strategy writes them. */
async function tablesWith(rows: RealtimeRows): Promise<string> {
  const database = join(dir, `rt-${++n}.sqlite3`);
  await createTables(target, database, REALTIME_TABLES.map(createTableSql));
  const out = await applyRealtime({ target, database, asterisk: {}, log: createLogger({ write: () => {} }), guards: { maxDeletions: 0, allowEmpty: false },
    drift: { mode: 'correct' }, verify: false }, rows);
  assert.is(out.result, 'applied', out.message);
  return database;
}

/** The rows an imported folder compiles to, its secrets resolved from the secrets file (dev profile: any password). */
async function rowsOfFolder(folder: string, secretsFile: string): Promise<RealtimeRows> {
  const secrets = parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  const sources = (await readExtensionsDir(folder)).map((f) => (f.path.endsWith(SITE_FILE) ? { ...f, text: f.text.replace(/^profile: production$/m, 'profile: dev') } : f));
  const r = compile(sources, { secrets: (auth) => (auth.kind === 'secret' ? secrets[auth.name ?? ''] : undefined) });
  assert.ok(r.ok, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error').slice(0, 3)));
  return rowsOfModel(r.ok ? r.model : { sections: [] });
}

test('round trip: the shipped extensions as rows, imported, compile to the same rows; passwords go to the secrets file only', async () => {
  const shipped = await compileShipped();
  const rows = rowsOfModel(shipped.model);
  const database = await tablesWith(rows);
  const out = join(dir, 'imported');
  const secretsFile = join(dir, 'host-secrets.yaml');
  const r = await runCliInProcess(['import', '--realtime-sqlite', database, '--out', out, '--secrets-file', secretsFile], { cwd: dir });
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, `imported 24 extensions from ${database}`);
  assert.match(r.stdout, 'round trip checked');
  assert.not.ok((r.stdout + r.stderr).includes(shipped.password('6010')), 'a password was printed');
  assert.is(statSync(secretsFile).mode & 0o777, 0o600);
  assert.is((parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>)['6010'], shipped.password('6010'));
  assert.not.ok(readFileSync(join(out, '6010.yaml'), 'utf8').includes(shipped.password('6010')));
  assert.match(readFileSync(join(out, '6010.yaml'), 'utf8'), 'auth: { secret: "6010" }');
  assert.equal(await rowsOfFolder(out, secretsFile), rows);
});

test('a row the wizard cannot make is named, and nothing is written', async () => {
  const database = join(dir, `rt-${++n}.sqlite3`);
  await createTables(target, database, REALTIME_TABLES.map(createTableSql));
  await runTransaction(target, database, [
    "INSERT INTO ps_endpoints (id, aors, auth, context, allow) VALUES ('7001', '7001', 'shared-auth', 'internal', 'ulaw');",
    "INSERT INTO ps_aors (id, max_contacts) VALUES ('7001', '1');",
    "INSERT INTO ps_auths (id, auth_type, username, password) VALUES ('shared-auth', 'userpass', '7001', 'Not-Printed-7001');",
  ]);
  const out = join(dir, 'refused');
  const r = await runCliInProcess(['import', '--realtime-sqlite', database, '--out', out, '--secrets-file', join(dir, 's2.yaml')], { cwd: dir });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, 'IMPORT_REALTIME_ROW');
  assert.match(r.stderr, "ps_endpoints 7001: auth is 'shared-auth'");
  assert.match(r.stderr, 'ps_auths shared-auth: no endpoint uses it');
  assert.match(r.stderr, 'nothing written');
  assert.not.ok(r.stderr.includes('Not-Printed-7001'));
  assert.throws(() => statSync(out));
});

test('wizardOfRows: each endpoint as the wizard section that makes its objects; `;` escaped; userpass left to the wizard', () => {
  const rows = emptyRows();
  rows.ps_endpoints['6000'] = { id: '6000', aors: '6000', auth: '6000-iauth', callerid: '"A;B" <6000>', context: 'internal', transport: 'transport-udp' };
  rows.ps_aors['6000'] = { id: '6000', max_contacts: '5' };
  rows.ps_auths['6000-iauth'] = { id: '6000-iauth', auth_type: 'userpass', password: 'p;w', username: '6000' };
  rows.ps_endpoints['6001'] = { id: '6001', aors: '6001', context: 'internal' };
  rows.ps_aors['6001'] = { id: '6001' };
  const w = wizardOfRows(rows);
  assert.equal(w.problems, []);
  assert.is(w.text, [
    '[6000]', 'type = wizard', 'accepts_registrations = yes', 'accepts_auth = yes', 'transport = transport-udp',
    'endpoint/callerid = "A\\;B" <6000>', 'endpoint/context = internal', 'aor/max_contacts = 5', 'inbound_auth/password = p\\;w', 'inbound_auth/username = 6000',
    '', '[6001]', 'type = wizard', 'accepts_registrations = yes', 'endpoint/context = internal', '',
  ].join('\n'));
  rows.ps_endpoints['6001']!.callerid = 'a\nb';
  assert.equal(wizardOfRows(rows).problems, ['ps_endpoints 6001: callerid holds a control character']);
});

test('import usage: --realtime-sqlite takes no wizard file; an unreadable database is named', async () => {
  const both = await runCliInProcess(['import', 'pjsip_wizard.conf', '--realtime-sqlite', 'x.sqlite3', '--out', 'o'], { cwd: dir });
  assert.is(both.code, 2);
  const missing = await runCliInProcess(['import', '--realtime-sqlite', join(dir, 'none.sqlite3'), '--out', join(dir, 'o')], { cwd: dir });
  assert.is(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, 'cannot read the realtime tables of');
});

test.run();
