// `target.strategy: realtime-sqlite` in a whole pass and in the config, and `realtime setup`: the
// deploy phase writes the changed rows of a real SQLite file and reloads nothing (verify off here:
// the fake Asterisk has no realtime; test/real/realtime.test.ts verifies on a real one).
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import { ConfigError, parseConfig } from '../reconciler/config.js';
import { createTables, readRows } from '../reconciler/realtime/sqlite.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { runCliInProcess } from './helpers/cli.js';
import { passFixture } from './helpers/pass-fixture.js';

test('a realtime pass writes the rows, reloads nothing, and a second pass finds nothing to write', async () => {
  const fx = await passFixture({ config: { verify: false } });
  try {
    const database = join(fx.root, 'realtime.sqlite3');
    await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
    fx.config.target.strategy = 'realtime-sqlite';
    fx.config.target.realtime = { database };
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
