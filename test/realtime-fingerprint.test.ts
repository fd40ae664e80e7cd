// The realtime no-change pass without reading the rows: the database's fingerprint (one `stat` on
// the target, reconciler/realtime/fingerprint.ts) kept after a read that matched the record, and
// what must still be found — a row edited by hand with the sqlite3 command between two passes, also
// within the same second as the last pass, also where timestamps have whole seconds only.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REALTIME_TABLES, createTableSql } from '../compiler/realtime-schema.js';
import { keepFingerprint, parseStat, QUIET_SECONDS, statDatabase, unchangedContent } from '../reconciler/realtime/fingerprint.js';
import { writeRecord } from '../reconciler/realtime/record.js';
import { createTables, readRows } from '../reconciler/realtime/sqlite.js';
import type { ExecResult, Target } from '../reconciler/target.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { passFixture, shippedFiles } from './helpers/pass-fixture.js';

const DB = '/var/lib/asterisk/rt.sqlite3';
const FILES = [DB, `${DB}-wal`, `${DB}-journal`];
const line = (name: string, ino = 12, size = 98304, secs = 1_800_000_000, ns = '123456789', mode = '81a0') =>
  `${mode} 2049 ${ino} ${size} ${secs} ${secs} 2027-01-15 08:00:00.${ns} +0000 2027-01-15 08:00:00.${ns} +0000 ${name}`;
const clock = (now: number) => line('/proc/self/', 4242, 0, now, '000000000', '416d');

test('parseStat: the database and its -wal, the -journal absent; quiet only more than 2 s after the newest timestamp', () => {
  const at = (now: number) => parseStat('local', FILES, `${clock(now)}\n${line(DB)}\n${line(`${DB}-wal`, 13, 4152, 1_800_000_005)}\n`);
  assert.is(at(1_800_000_005)!.quiet, false, 'stat in the second of the last write');
  assert.is(at(1_800_000_005 + QUIET_SECONDS)!.quiet, false);
  assert.is(at(1_800_000_005 + QUIET_SECONDS + 1)!.quiet, true);
  assert.is(at(1_800_000_000)!.quiet, false, 'a timestamp ahead of the clock');
  assert.is(at(1_800_000_010)!.fingerprint, at(1_800_000_100)!.fingerprint, 'the clock is not part of the fingerprint');
  const base = parseStat('local', FILES, `${clock(1_800_000_100)}\n${line(DB)}\n`)!;
  for (const [what, other] of [
    ['ns of mtime', line(DB, 12, 98304, 1_800_000_000, '123456790')], ['inode', line(DB, 14)], ['size', line(DB, 12, 102400)],
  ] as const) assert.is.not(parseStat('local', FILES, `${clock(1_800_000_100)}\n${other}\n`)!.fingerprint, base.fingerprint, what);
  assert.is.not(parseStat('local', FILES, `${clock(1_800_000_100)}\n${line(DB)}\n${line(`${DB}-journal`)}\n`)!.fingerprint, base.fingerprint, 'a journal appeared');
  assert.is.not(parseStat('ssh root@pbx2', FILES, `${clock(1_800_000_100)}\n${line(DB)}\n`)!.fingerprint, base.fingerprint, 'another target');
});

test('parseStat: any doubt is no fingerprint (no database line, no clock, a symlink, an unknown or repeated line, no numbers)', () => {
  const now = clock(1_800_000_100);
  assert.is(parseStat('local', FILES, `${now}\n${line(`${DB}-wal`)}\n`), undefined);
  assert.is(parseStat('local', FILES, `${line(DB)}\n`), undefined);
  assert.is(parseStat('local', FILES, `${now}\n${line(DB, 12, 27, 1_800_000_000, '0', 'a1ff')}\n`), undefined, 'the database path is a symlink');
  assert.is(parseStat('local', FILES, `${now}\n${line(DB)}\n${line('/tmp/other')}\n`), undefined);
  assert.is(parseStat('local', FILES, `${now}\n${line(DB)}\n${line(DB)}\n`), undefined);
  assert.is(parseStat('local', FILES, `${now}\n81a0 2049 12 98304 ${DB}\n`), undefined);
  assert.is(parseStat('local', FILES, ''), undefined);
});

/** The fixture's local target, noting each command; `wholeSeconds` answers stat as a filesystem with 1 s timestamps. */
class WatchedTarget implements Target {
  readonly describe = 'local';
  readonly argvs: string[][] = [];
  private readonly local = new LocalTarget({ killGraceMs: 200 });
  constructor(private readonly wholeSeconds = false) {}
  readFile(path: string) { return this.local.readFile(path); }
  writeFileAtomic(path: string, data: Buffer, mode: number) { return this.local.writeFileAtomic(path, data, mode); }
  async exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    this.argvs.push(argv);
    const r = await this.local.exec(argv, timeoutMs);
    const isStat = argv[0] === 'stat' && argv.includes('/proc/self/');
    return isStat && this.wholeSeconds ? { ...r, stdout: r.stdout.replace(/(\d\d:\d\d:\d\d)\.\d+/g, '$1.000000000') } : r;
  }
  execWithInput(argv: string[], input: string, timeoutMs: number) {
    this.argvs.push(argv);
    return this.local.execWithInput(argv, input, timeoutMs);
  }
  close() { return this.local.close(); }
  /** whether the rows were read since the last call */
  readRows(): boolean {
    const read = this.argvs.some((a) => a[0] === 'sqlite3' && a.includes('-readonly'));
    this.argvs.length = 0;
    return read;
  }
}

async function fingerprintFixture(wholeSeconds = false) {
  const fx = await passFixture({ config: { verify: false } });
  const database = join(fx.root, 'realtime.sqlite3');
  await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
  fx.config.target.strategy = 'realtime-sqlite';
  fx.config.target.realtime = { database };
  fx.fake.setMode({ realtime: { database } });
  const target = new WatchedTarget(wholeSeconds);
  fx.deps.target = target;
  const kept = () => existsSync(join(fx.stateDir, 'realtime-tables.json'));
  // the sqlite3 command itself, as someone at the PBX would
  const byHand = (sql: string) => execFileSync('sqlite3', [database, sql]);
  return { fx, database, target, kept, byHand };
}

const quiet = () => new Promise((res) => setTimeout(res, (QUIET_SECONDS + 1.2) * 1000));

test('a quiet database is not read on a no-change pass; a row edited with sqlite3 right after that pass is found on the next', async () => {
  const { fx, database, target, kept, byHand } = await fingerprintFixture();
  try {
    assert.is((await fx.pass()).result, 'applied');
    assert.not.ok(kept(), 'no fingerprint after a write');
    await quiet();
    target.readRows();
    const reading = await fx.pass();
    assert.is(reading.result, 'unchanged', reading.message);
    assert.ok(target.readRows(), 'the first pass after a write reads the rows');
    assert.ok(kept(), 'the stat before that read is kept');
    const spared = await fx.pass();
    assert.is(spared.result, 'unchanged', spared.message);
    assert.match(spared.message, `the realtime rows in ${database} are as written`);
    assert.not.ok(target.readRows(), 'the rows were read although the database was not written');
    assert.ok(spared.steps!.some((s) => s.name === 'read-live') && !spared.steps!.some((s) => s.name === 'compile'));
    // within the same second as the pass that was spared the read
    byHand(`UPDATE ps_endpoints SET callerid = '"Hand" <6011>' WHERE id = '6011';`);
    const drift = await fx.pass();
    assert.is(drift.result, 'drift-corrected', drift.message);
    assert.equal(drift.changes, { added: [], removed: [], changed: ['6011'] });
    assert.is((await readRows(new LocalTarget(), database)).ps_endpoints['6011']!.callerid, '"Softphone 2" <6011>');
    assert.not.ok(kept());
    // the same in drift report mode: found, left, reported on every pass
    await quiet();
    assert.is((await fx.pass()).result, 'unchanged');
    assert.ok(kept());
    fx.config.drift.mode = 'report';
    byHand(`UPDATE ps_aors SET max_contacts = 7 WHERE id = '6012';`);
    for (let i = 0; i < 2; i++) {
      const reported = await fx.pass();
      assert.is(reported.result, 'drift-reported', reported.message);
      assert.ok(target.readRows());
      assert.not.ok(kept(), 'a fingerprint of tables that differ from the record');
    }
  } finally {
    fx.cleanup();
  }
});

test('WAL mode with another connection open (as Asterisk keeps one): an edit that reaches only the -wal file is found', async () => {
  const { fx, database, target, kept, byHand } = await fingerprintFixture();
  byHand('PRAGMA journal_mode=WAL;');
  // a connection that stays open, so no one checkpoints the -wal into the database file when closing
  const holder = spawn('sqlite3', [database], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    holder.stdin.write('SELECT count(*) FROM ps_endpoints;\n');
    assert.is((await fx.pass()).result, 'applied');
    await quiet();
    assert.is((await fx.pass()).result, 'unchanged');
    assert.ok(kept());
    const dbBefore = statSync(database, { bigint: true });
    byHand(`UPDATE ps_endpoints SET callerid = '"Hand" <6011>' WHERE id = '6011';`);
    const dbAfter = statSync(database, { bigint: true });
    assert.ok(existsSync(`${database}-wal`));
    assert.equal([dbAfter.mtimeNs, dbAfter.size], [dbBefore.mtimeNs, dbBefore.size], 'the edit went to the -wal only');
    target.readRows();
    const drift = await fx.pass();
    assert.is(drift.result, 'drift-corrected', drift.message);
    assert.equal(drift.changes, { added: [], removed: [], changed: ['6011'] });
  } finally {
    holder.stdin.end('.quit\n');
    fx.cleanup();
  }
});

test('a new commit after a pass spared the read: the compare reads the rows and writes the change; the next pass reads again', async () => {
  const { fx, target, kept } = await fingerprintFixture();
  try {
    assert.is((await fx.pass()).result, 'applied');
    await quiet();
    assert.is((await fx.pass()).result, 'unchanged');
    assert.ok(kept());
    target.readRows();
    const text = shippedFiles()['extensions/6010.yaml']!.replace('Softphone 1', 'Front Desk');
    fx.remote.commit({ 'extensions/6010.yaml': text });
    const dry = await fx.pass({ dryRun: true });
    assert.is(dry.result, 'dry-run', dry.message);
    assert.ok(target.readRows(), 'the dry run compared the rows');
    assert.ok(kept(), 'a dry run changes nothing');
    const applied = await fx.pass();
    assert.is(applied.result, 'applied', applied.message);
    assert.equal(applied.changes, { added: [], removed: [], changed: ['6010'] });
    assert.ok(target.readRows());
    assert.not.ok(kept(), 'the record was rewritten: the fingerprint went with it');
    const after = await fx.pass();
    assert.is(after.result, 'unchanged', after.message);
    assert.ok(target.readRows(), 'the pass after a write reads the rows');
  } finally {
    fx.cleanup();
  }
});

test('timestamps of whole seconds: a stat within 2 s of a write is not kept, so an edit in that same second is found', async () => {
  const { fx, target, kept, byHand } = await fingerprintFixture(true);
  try {
    assert.is((await fx.pass()).result, 'applied');
    target.readRows();
    const soon = await fx.pass();
    assert.is(soon.result, 'unchanged', soon.message);
    assert.ok(target.readRows());
    assert.not.ok(kept(), 'a stat taken right after the write cannot tell a write in the same second');
    // in place, the same length: same size, same inode, and on such a filesystem likely the same mtime and ctime
    byHand(`UPDATE ps_endpoints SET callerid = '"Softphone X" <6011>' WHERE id = '6011';`);
    const drift = await fx.pass();
    assert.is(drift.result, 'drift-corrected', drift.message);
    assert.equal(drift.changes, { added: [], removed: [], changed: ['6011'] });
    await quiet();
    assert.is((await fx.pass()).result, 'unchanged');
    assert.ok(kept());
    target.readRows();
    assert.is((await fx.pass()).result, 'unchanged');
    assert.not.ok(target.readRows(), 'quiet for more than 2 s: the fingerprint is trusted');
    byHand(`UPDATE ps_endpoints SET callerid = '"Softphone Y" <6011>' WHERE id = '6011';`);
    const again = await fx.pass();
    assert.is(again.result, 'drift-corrected', again.message);
  } finally {
    fx.cleanup();
  }
});

test('timestamps of whole seconds, all in one second: a write after a stat leaves the stat as it was, so that stat is not kept', async () => {
  const { fx, database, target, byHand } = await fingerprintFixture(true);
  try {
    const rows = await readRows(target, database);
    await writeRecord(fx.stateDir, rows, 'content-a');
    // at the start of a second, as close as this machine allows
    await new Promise((res) => setTimeout(res, 1000 - (Date.now() % 1000)));
    const second = Math.floor(Date.now() / 1000);
    byHand(`INSERT INTO ps_aors (id, max_contacts) VALUES ('6099', 1);`);
    const before = await statDatabase(target, database);
    assert.ok(before);
    assert.is(before.quiet, false);
    await keepFingerprint(fx.stateDir, before, 'content-a');
    byHand(`UPDATE ps_aors SET max_contacts = 2 WHERE id = '6099';`);
    const after = await statDatabase(target, database);
    if (Math.floor(Date.now() / 1000) === second) {
      assert.is(after!.fingerprint, before.fingerprint, 'in one second on such a filesystem the write does not show');
    }
    assert.is(await unchangedContent(fx.stateDir, after), undefined, 'the write would be taken for no change');
  } finally {
    fx.cleanup();
  }
});

test('no stat on the target, a database path that is a symlink, or no database: the rows are read as before', async () => {
  const { fx, database, target, kept } = await fingerprintFixture();
  try {
    const exec = target.exec.bind(target);
    target.exec = (argv, t) => exec(argv[0] === 'stat' ? ['stat-not-installed', ...argv.slice(1)] : argv, t);
    assert.is((await fx.pass()).result, 'applied');
    await quiet();
    for (let i = 0; i < 2; i++) {
      target.readRows();
      assert.is((await fx.pass()).result, 'unchanged');
      assert.ok(target.readRows());
      assert.not.ok(kept());
    }
    target.exec = exec;
    const link = join(fx.root, 'link.sqlite3');
    symlinkSync(database, link);
    fx.config.target.realtime = { database: link };
    for (let i = 0; i < 2; i++) {
      target.readRows();
      assert.is((await fx.pass()).result, 'unchanged');
      assert.ok(target.readRows(), 'a symlink: its target\'s -wal is not stat-ed');
      assert.not.ok(kept());
    }
    fx.config.target.realtime = { database: join(fx.root, 'missing.sqlite3') };
    const missing = await fx.pass();
    assert.is(missing.result, 'stalled', missing.message);
    assert.match(missing.message, 'missing.sqlite3');
  } finally {
    fx.cleanup();
  }
});

test.run();
