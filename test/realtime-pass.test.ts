// `target.strategy: realtime-sqlite` in a whole pass and in the config, and `realtime setup`: the
// deploy phase writes the changed rows of a real SQLite file and reloads nothing (verify off here:
// the fake Asterisk has no realtime; test/real/realtime.test.ts verifies on a real one).
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import { ConfigError, parseConfig } from '../reconciler/config.js';
import { createTables, readRows, runTransaction } from '../reconciler/realtime/sqlite.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { runCliInProcess } from './helpers/cli.js';
import type { FakeAsteriskMode } from './helpers/fake-asterisk.js';
import { passFixture, shippedFiles } from './helpers/pass-fixture.js';

test('a realtime pass writes the rows, reloads nothing, and a second pass finds nothing to write', async () => {
  const fx = await passFixture({ config: { verify: false } });
  try {
    const database = join(fx.root, 'realtime.sqlite3');
    await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
    fx.config.target.strategy = 'realtime-sqlite';
    fx.config.target.realtime = { database };
    fx.fake.setMode({ realtime: { database } });
    const first = await fx.pass();
    assert.is(first.result, 'applied', first.message);
    assert.ok(first.steps?.some((s) => s.name === 'apply-rows'));
    assert.is(Object.keys((await readRows(new LocalTarget(), database)).ps_auths).length, 24);
    assert.is(await fx.fake.reloadCount(), 0);
    assert.is(fx.live(), null, 'no wizard file is written');
    const second = await fx.pass();
    assert.is(second.result, 'unchanged', second.message);
    assert.not.ok(fx.logLines.some((l) => l.includes('Maja1234')), 'a password reached the log');
  } finally {
    fx.cleanup();
  }
});

/** A fixture on the realtime strategy with fresh tables. */
async function realtimeFixture() {
  const fx = await passFixture({ config: { verify: false } });
  const database = join(fx.root, 'realtime.sqlite3');
  await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
  fx.config.target.strategy = 'realtime-sqlite';
  fx.config.target.realtime = { database };
  fx.fake.setMode({ realtime: { database } });
  return { fx, database };
}

const probeShows = (commands: string[]) => commands.filter((c) => /^pjsip show \w+ pjsip-gitops-probe-/.test(c));

test('host check: an Asterisk that reads the tables passes (a probe row per table, shown, then removed)', async () => {
  const { fx, database } = await realtimeFixture();
  try {
    const r = await fx.pass();
    assert.is(r.result, 'applied', r.message);
    assert.ok(r.steps!.some((s) => s.name === 'realtime-host-check'));
    const commands = await fx.fake.commands();
    assert.ok(commands.includes('module show like res_config_sqlite3.so') && commands.includes('core show config mappings'), commands.join('\n'));
    assert.is(probeShows(commands).length, 3, commands.join('\n'));
    const rows = await readRows(new LocalTarget(), database);
    assert.not.ok(Object.keys(rows.ps_endpoints).some((id) => id.startsWith('pjsip-gitops-probe')), 'a probe row was left behind');
  } finally {
    fx.cleanup();
  }
});

type RealtimeMode = NonNullable<FakeAsteriskMode['realtime']>;
const misconfigurations: [string, Partial<RealtimeMode>, string][] = [
  ['sorcery.conf reads auths from the file', { sorcery: ['endpoint', 'aor'] }, 'sorcery.conf [res_pjsip] has no `auth=realtime,ps_auths`'],
  ['extconfig.conf maps no ps_aors', { extconfig: ['ps_endpoints', 'ps_auths'] }, 'extconfig.conf [settings] has no `ps_aors => sqlite3,asterisk,ps_aors`'],
  ['res_config_sqlite3 is not loaded', { module: false }, 'res_config_sqlite3.so is not running'],
  ['res_config_sqlite3 reads another file', { database: '/nonexistent/other.sqlite3' }, 'res_config_sqlite3.conf [asterisk] reads another file than'],
];
for (const [name, realtime, named] of misconfigurations) {
  test(`host check: ${name} → stalled RealtimeNotConfigured naming it, no row written`, async () => {
    const { fx, database } = await realtimeFixture();
    try {
      fx.fake.setMode({ realtime: { database, ...realtime } });
      const r = await fx.pass();
      assert.is(r.result, 'stalled', r.message);
      assert.is(r.reason, 'RealtimeNotConfigured');
      assert.match(r.message, named);
      assert.match(r.message, 'pjsip-gitops realtime setup');
      assert.equal(await readRows(new LocalTarget(), database), { ps_endpoints: {}, ps_aors: {}, ps_auths: {} });
      assert.not.ok(fx.logLines.some((l) => l.includes('Maja1234')), 'a password reached the log');
    } finally {
      fx.cleanup();
    }
  });
}

test('host check in a dry run: no probe row is written; what needs none is still asked', async () => {
  const { fx, database } = await realtimeFixture();
  try {
    fx.fake.setMode({ realtime: { database, extconfig: ['ps_endpoints', 'ps_aors'] } });
    const refused = await fx.pass({ dryRun: true });
    assert.is(refused.reason, 'RealtimeNotConfigured', refused.message);
    fx.fake.setMode({ realtime: { database } });
    const dry = await fx.pass({ dryRun: true });
    assert.is(dry.result, 'dry-run', dry.message);
    assert.is(probeShows(await fx.fake.commands()).length, 0);
  } finally {
    fx.cleanup();
  }
});

test('nothing new in Git and no row edited: the pass stops before compiling, and says rows, not the wizard file', async () => {
  const { fx, database } = await realtimeFixture();
  try {
    assert.is((await fx.pass()).result, 'applied');
    const second = await fx.pass();
    assert.is(second.result, 'unchanged', second.message);
    const steps = second.steps!.map((s) => s.name);
    assert.ok(steps.includes('read-live') && !steps.includes('compile') && !steps.includes('compare'), steps.join(' '));
    assert.match(second.message, `the realtime rows in ${database} are as written`);
    assert.not.match(second.message, 'pjsip_wizard');
    // a commit that changes nothing Asterisk sees: compiled, compared as rows, nothing written
    fx.remote.commit({ 'README.md': '# extensions, reworded\n' });
    const readme = await fx.pass();
    assert.is(readme.result, 'unchanged', readme.message);
    assert.match(readme.message, /already hold commit [0-9a-f]{12}'s 24 extensions/);
    assert.is(fx.live(), null, 'no wizard file is read or written');
  } finally {
    fx.cleanup();
  }
});

test('a row edited by hand is found on the next pass (not up to date) and put back', async () => {
  const { fx, database } = await realtimeFixture();
  try {
    assert.is((await fx.pass()).result, 'applied');
    await runTransaction(new LocalTarget(), database, ["UPDATE ps_endpoints SET callerid = '\"Hand\" <6011>' WHERE id = '6011';"]);
    const r = await fx.pass();
    assert.is(r.result, 'drift-corrected', r.message);
    assert.equal(r.changes, { added: [], removed: [], changed: ['6011'] });
    assert.is((await readRows(new LocalTarget(), database)).ps_endpoints['6011']!.callerid, '"Softphone 2" <6011>');
    assert.is((await fx.pass()).result, 'unchanged');
  } finally {
    fx.cleanup();
  }
});

test('a realtime dry run names the rows it would write and no reload, and changes nothing', async () => {
  const { fx, database } = await realtimeFixture();
  try {
    assert.is((await fx.pass()).result, 'applied');
    const before = await readRows(new LocalTarget(), database);
    const text = shippedFiles()['extensions/6010.yaml']!.replace('Softphone 1', 'Front Desk').replace('Maja1234', 'Changed-Pw-6010');
    fx.remote.commit({ 'extensions/6010.yaml': text });
    const r = await fx.pass({ dryRun: true });
    assert.is(r.result, 'dry-run', r.message);
    assert.match(r.message, `would write 2 rows (0 added, 1 changed, 0 removed extensions) to the realtime rows in ${database}: change 6010, with no reload`);
    assert.not.match(r.message, 'pjsip_wizard');
    assert.equal(r.preview?.lines, ['~ ps_endpoints 6010: callerid', '~ ps_auths 6010-iauth: password (secret)']);
    assert.match(r.preview!.diff, '~ ps_endpoints 6010 callerid: "Softphone 1" <6010> → "Front Desk" <6010>');
    assert.match(r.preview!.diff, '~ ps_auths 6010-iauth password: (secret) → (secret)');
    assert.not.ok(JSON.stringify(r).includes('Changed-Pw-6010') || JSON.stringify(r).includes('Maja1234'), 'a password reached the result');
    assert.equal(await readRows(new LocalTarget(), database), before);
  } finally {
    fx.cleanup();
  }
});

test('config: strategy defaults to file; realtime-sqlite needs target.realtime.database, made absolute locally', () => {
  const base = 'source: { repo: /srv/extensions.git }\n';
  assert.is(parseConfig(base, '/etc/pjsip-gitops/reconciler.yaml').target.strategy, 'file');
  const c = parseConfig(`${base}target: { strategy: realtime-sqlite, realtime: { database: rt.sqlite3 } }\n`, '/etc/pjsip-gitops/reconciler.yaml');
  assert.equal([c.target.strategy, c.target.realtime], ['realtime-sqlite', { database: '/etc/pjsip-gitops/rt.sqlite3' }]);
  assert.throws(() => parseConfig(`${base}target: { strategy: realtime-sqlite }\n`, '/x/reconciler.yaml'), (e: unknown) => e instanceof ConfigError);
  assert.throws(() => parseConfig(`${base}target: { strategy: astdb }\n`, '/x/reconciler.yaml'), (e: unknown) => e instanceof ConfigError);
});

test('realtime setup prints the sorcery, extconfig and res_config_sqlite3 lines and the tables', async () => {
  const r = await runCliInProcess(['realtime', 'setup', '--database', '/var/lib/asterisk/rt.sqlite3']);
  assert.is(r.code, 0, r.stderr);
  for (const line of ['[res_pjsip]', 'auth=realtime,ps_auths', 'ps_endpoints => sqlite3,asterisk,ps_endpoints', 'dbfile => /var/lib/asterisk/rt.sqlite3',
    'batch = 0', 'CREATE TABLE IF NOT EXISTS ps_endpoints (']) assert.ok(r.stdout.includes(line), line);
  assert.is((await runCliInProcess(['realtime'])).code, 2);
  assert.is((await runCliInProcess(['realtime', 'apply'])).code, 2);
});

test.run();
