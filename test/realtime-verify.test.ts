// The realtime strategy's verify at scale, on the fake Asterisk in realtime mode: a first apply of
// 624 extensions shows the rows of at most VALUE_CHECKED_MAX extensions one by one (the file
// strategy's sampler) and looks for the others in the tables — and still finds a wrong value in a
// sampled row and a row missing outside the sample, and rolls back. And a pass whose later phases run
// in a child process reads the tables once: the rows the source phase read go along.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import type { ExtensionModel } from '../compiler/types.js';
import { createLogger } from '../reconciler/log.js';
import { loadPassDeps, runPass } from '../reconciler/pass.js';
import { createTables, readRows, runTransaction } from '../reconciler/realtime/sqlite.js';
import { planVerify, verifyRows } from '../reconciler/realtime/verify.js';
import type { RowChange } from '../reconciler/realtime/rows-diff.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { VALUE_CHECKED_MAX } from '../reconciler/verify-sample.js';
import { passFixture } from './helpers/pass-fixture.js';

const N = 600;
const TEMPLATES = ['custom', 'softphone', 'webrtc'];

function bulk(first: number, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const n = first + i;
    files[`extensions/bulk/${n}.yaml`] = `extension: ${n}\nname: Bulk ${i}\ntemplate: ${TEMPLATES[i % 3]}\nauth: { password: Maja1234 }\n`;
  }
  return files;
}

async function realtimeFixture(files: Record<string, string> = {}, verify = true) {
  const fx = await passFixture({ config: { verify }, files });
  const database = join(fx.root, 'realtime.sqlite3');
  await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
  fx.config.target.strategy = 'realtime-sqlite';
  fx.config.target.realtime = { database };
  fx.fake.setMode({ realtime: { database } });
  return { fx, database };
}

interface Event { event: string; [k: string]: unknown }
const perObjectShows = (commands: string[]) => commands.filter((c) => /^pjsip show (endpoint|aor|auth) /.test(c));

test(`a first realtime apply of ${N + 24} extensions: the rows of ${VALUE_CHECKED_MAX} shown, the rest looked for in the tables; a wrong value in a sampled row and a row missing outside the sample are found and rolled back`, async () => {
  const { fx, database } = await realtimeFixture(bulk(7000, N));
  try {
    const last = String(7000 + N - 1);
    const gone = String(7000 + N - 2);
    // what the tables hold right after the write is not what was written: a value changed in a row
    // of the last extension (always sampled), an aor row of another one removed
    await runTransaction(new LocalTarget(), database, [
      `CREATE TRIGGER tamper AFTER INSERT ON ps_endpoints WHEN NEW.id = '${last}' BEGIN UPDATE ps_endpoints SET callerid = '"Tampered" <${last}>' WHERE id = NEW.id; END;`,
      `CREATE TRIGGER vanish AFTER INSERT ON ps_aors WHEN NEW.id = '${gone}' BEGIN DELETE FROM ps_aors WHERE id = NEW.id; END;`,
    ]);
    let since = (await fx.fake.commands()).length;
    const failed = await fx.pass();
    let commands = (await fx.fake.commands()).slice(since);
    assert.is(failed.result, 'failed', failed.message);
    assert.is(failed.reason, 'VerifyFailed');
    assert.match(failed.message, `ps_endpoints ${last}: loaded with other values for callerid`);
    assert.match(failed.message, `ps_aors ${gone}: not in the table after the write`);
    assert.match(failed.message, /changed rows were written back as they were/);
    assert.not.ok(perObjectShows(commands).includes(`pjsip show aor ${gone}`), `aor ${gone} was in the sample: it proves nothing here`);
    assert.equal(await readRows(new LocalTarget(), database), { ps_endpoints: {}, ps_aors: {}, ps_auths: {} }, 'the first apply was not rolled back');

    await runTransaction(new LocalTarget(), database, ['DROP TRIGGER tamper;', 'DROP TRIGGER vanish;']);
    since = (await fx.fake.commands()).length;
    const logFrom = fx.logLines.length;
    const r = await fx.pass();
    commands = (await fx.fake.commands()).slice(since);
    assert.is(r.result, 'applied', r.message);
    assert.match(r.message, 'verified on Asterisk');
    const shows = perObjectShows(commands);
    // at most 3 rows per sampled extension, and the host check's probe rows; before: one show per row (1,872)
    assert.ok(shows.length <= 3 * VALUE_CHECKED_MAX + 3, `${shows.length} per-object shows`);
    assert.ok(shows.length >= 2 * VALUE_CHECKED_MAX, `the sample was shown (${shows.length})`);
    assert.ok(commands.length <= 3 * VALUE_CHECKED_MAX + 10, `${commands.length} asterisk -rx commands in all`);
    for (const n of ['6000', last]) assert.ok(shows.includes(`pjsip show endpoint ${n}`), `endpoint ${n} shown`);
    assert.not.ok(commands.some((c) => /^pjsip (show|list) (endpoints|aors|auths)\b/.test(c)), 'a listing was read: Asterisk lists no realtime object');
    const logged = fx.logLines.slice(logFrom).map((l) => JSON.parse(l) as Event);
    const sampled = logged.find((e) => e.event === 'verify.sampled');
    assert.equal({ changed: sampled?.changed, valueChecked: sampled?.valueChecked, existenceOnly: sampled?.existenceOnly, rowsByIds: sampled?.rowsByIds },
      { changed: N + 24, valueChecked: VALUE_CHECKED_MAX, existenceOnly: N + 24 - VALUE_CHECKED_MAX, rowsByIds: (N + 24 - VALUE_CHECKED_MAX) * 3 });
    assert.is(sampled?.objectsShown, shows.length - 3);
    assert.ok(Number(sampled?.kinds) >= 3, `kinds: ${sampled?.kinds}`);
    assert.is(Object.keys((await readRows(new LocalTarget(), database)).ps_endpoints).length, N + 24);
  } finally {
    fx.cleanup();
  }
});

const row = (id: string): Record<string, string> => ({ id, context: 'internal' });
const change = (table: RowChange['table'], id: string, kind: RowChange['kind']): RowChange =>
  ({ table, id, kind, ...(kind === 'delete' ? { before: row(id) } : { after: row(id) }), columns: ['context'] });
const model = (number: string, template: string) =>
  ({ number, name: number, template, file: '', codecs: [], options: {}, auth: 'password', passwordFingerprint: '' }) as ExtensionModel;

test('planVerify: the sampler of the file strategy over the changed extensions, removed ones a kind of their own; deterministic', () => {
  const changes: RowChange[] = [];
  const exts: ExtensionModel[] = [];
  for (let i = 0; i < 300; i++) {
    const n = String(7000 + i);
    exts.push(model(n, i === 150 ? 'odd' : 'softphone'));
    changes.push(change('ps_endpoints', n, 'insert'), change('ps_aors', n, 'insert'), change('ps_auths', `${n}-iauth`, 'insert'));
  }
  for (let i = 0; i < 50; i++) changes.push(change('ps_endpoints', String(9000 + i), 'delete'), change('ps_aors', String(9000 + i), 'delete'));
  const p = planVerify(changes, exts);
  assert.equal({ changed: p.changed, valueChecked: p.valueChecked, existenceOnly: p.existenceOnly, kinds: p.kinds },
    { changed: 350, valueChecked: VALUE_CHECKED_MAX, existenceOnly: 250, kinds: 3 });
  const shownIds = new Set(p.shown.map((c) => c.id));
  for (const n of ['7000', '7150', '9049']) assert.ok(shownIds.has(n), `${n} in the sample (first, its own kind, last)`);
  assert.ok(p.shown.some((c) => c.kind === 'delete'), 'a removed extension is in the sample');
  assert.is(p.shown.length + p.byIds.length, changes.length);
  assert.equal(planVerify(changes, exts), p, 'the same change samples the same');
  // few changes: all shown, nothing looked for by id; without a model the rows' shapes are the kinds
  const few = planVerify(changes.slice(0, 30));
  assert.equal([few.shown.length, few.byIds.length, few.valueChecked], [30, 0, 10]);
});

test('verifyRows: a show with no answer stops the shows and fails verify (no look at the tables)', async () => {
  const calls: string[][] = [];
  const target = new LocalTarget();
  const dead = { ...target, describe: 'local', exec: async (argv: string[]) => { calls.push(argv); return { code: 1, stdout: '', stderr: 'Unable to connect to remote asterisk', timedOut: false }; } };
  const changes = Array.from({ length: 200 }, (_, i) => change('ps_endpoints', String(7000 + i), 'insert'));
  const v = await verifyRows(dead as unknown as LocalTarget, { cli: ['asterisk', '-rx'], timeoutMs: 1000 }, '/nonexistent.sqlite3', undefined, changes);
  assert.ok(v.problems.length >= 1 && v.problems.length <= 4, v.problems.join('\n'));
  assert.ok(calls.length <= 4, `${calls.length} commands after Asterisk stopped answering`);
  assert.is(v.rowsByIds, 0);
});

test('a pass whose later phases run in a child process reads the tables once: the rows the source phase read go along', async () => {
  const { fx } = await realtimeFixture({}, false);
  try {
    // every sqlite3 run, noted by a wrapper first in PATH (the child process inherits it)
    const bin = join(fx.root, 'bin');
    const calls = join(fx.root, 'sqlite3-calls.log');
    mkdirSync(bin);
    const real = process.env.PATH!.split(':').map((d) => join(d, 'sqlite3')).find((p) => { try { readFileSync(p); return true; } catch { return false; } })!;
    writeFileSync(join(bin, 'sqlite3'), `#!/bin/sh\nprintf '%s\\n' "$*" | tr '\\n' ' ' >> '${calls}'\necho >> '${calls}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, 'sqlite3'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const deps = await loadPassDeps(fx.config, { log: createLogger({ write: () => {} }), compileIn: 'child' });
      const r = await runPass(deps, { trigger: 'test' });
      assert.is(r.result, 'applied', r.message);
      assert.ok(r.steps?.some((s) => s.name === 'apply-rows'), 'the rows were not written in this pass');
      const reads = readFileSync(calls, 'utf8').split('\n').filter((l) => l.includes('json_patch'));
      assert.is(reads.length, REALTIME_TABLES.length, `the tables were read ${reads.length / REALTIME_TABLES.length} times:\n${reads.map((l) => l.slice(-60)).join('\n')}`);
    } finally {
      process.env.PATH = path;
    }
  } finally {
    fx.cleanup();
  }
});

test.run();
