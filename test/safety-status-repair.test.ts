// A status file of the wrong shape (valid JSON, wrong fields) is repaired when read: what is sound is
// kept, what is not is dropped and named; later status writes work, and `status` answers (never 2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyStatus, readStatusChecked, recordPass, statusPath, type Status } from '../reconciler/state.js';
import type { PassResult } from '../reconciler/pass-types.js';
import { runCliInProcess } from './helpers/cli.js';
import { passFixture } from './helpers/pass-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'pjsip-gitops-repair-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const entry = (over: Partial<PassResult> = {}): PassResult => ({
  result: 'applied', condition: 'Ready', reason: 'Applied', message: 'applied', commit: COMMIT, reloaded: true,
  reloadCount: 1, transient: false, trigger: 'interval', startedAt: '2026-01-02T03:04:05.000Z', durationMs: 10, ...over,
});

function ready(): Status {
  const s = emptyStatus();
  s.lastApplied = { commit: COMMIT, hash: 'f'.repeat(64), fileSha256: 'e'.repeat(64), time: '2026-01-02T03:04:05.000Z' };
  s.condition = { type: 'Ready', reason: 'Applied', message: 'applied', since: '2026-01-02T03:04:05.000Z' };
  s.history = [entry()];
  s.counters = { passes: { applied: 1 }, reloads: 1, driftEvents: 0 };
  return s;
}

async function cli(stateDir: string) {
  const r = await runCliInProcess(['status', '--state-dir', stateDir], { env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const cases: { name: string; raw: unknown; repaired: RegExp; exit: number; check(s: Status): void }[] = [
  { name: '{"version":1}', raw: { version: 1 }, repaired: /condition missing/, exit: 1,
    check: (s) => { assert.is(s.condition.reason, 'NeverRun'); assert.equal(s.history, []); assert.is(s.counters.reloads, 0); } },
  { name: 'history is a string', raw: { ...ready(), history: 'abc' }, repaired: /history is not a list/, exit: 0,
    check: (s) => { assert.equal(s.history, []); assert.is(s.lastApplied?.commit, COMMIT); } },
  { name: 'lastApplied.commit is a number', raw: { ...ready(), lastApplied: { ...ready().lastApplied, commit: 42 } }, repaired: /lastApplied dropped \(bad commit\)/, exit: 0,
    check: (s) => { assert.is(s.lastApplied, undefined); assert.is(s.history.length, 1); } },
  { name: 'garbage history entries', raw: { ...ready(), history: [null, 5, 'x', [], { result: 'nope' }, { ...entry(), durationMs: 'slow' }, entry({ trigger: 'kept' })] },
    repaired: /history: 6 malformed entries dropped/, exit: 0,
    check: (s) => { assert.is(s.history.length, 1); assert.is(s.history[0]!.trigger, 'kept'); } },
  { name: 'counters of the wrong types', raw: { ...ready(), counters: { passes: { applied: 'one', bogus: 2, unchanged: 3 }, reloads: -1 } }, repaired: /counters: bad passes\.applied, passes\.bogus, reloads, driftEvents/, exit: 0,
    check: (s) => { assert.equal(s.counters.passes, { unchanged: 3 }); assert.is(s.counters.reloads, 0); } },
  { name: 'a pending marker without its pid', raw: { ...ready(), pending: { commit: COMMIT, fileSha256: 'e'.repeat(64), since: 'x', backup: '' } }, repaired: /pending dropped \(bad pid\)/, exit: 0,
    check: (s) => assert.is(s.pending, undefined) },
];

for (const c of cases) {
  test(`repaired on read — ${c.name}: sound parts kept, the rest named; later writes work; status exits ${c.exit}`, async () => {
    const dir = join(root, c.name.replace(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(statusPath(dir), JSON.stringify(c.raw));
    const r = await cli(dir);
    assert.is(r.code, c.exit, r.err + r.out);
    assert.match(r.err, /malformed parts/);
    const { status, repairs } = await readStatusChecked(dir);
    assert.ok(repairs.some((x) => c.repaired.test(x)), repairs.join(' | '));
    c.check(status);
    // a pass recorded on it: the file is whole again
    await recordPass(dir, { result: entry({ trigger: 'after-repair', startedAt: '2026-01-03T00:00:00.000Z' }) });
    const after = await readStatusChecked(dir);
    assert.equal(after.repairs, []);
    assert.is(after.status.history[0]!.trigger, 'after-repair');
  });
}

test('not JSON at all: started afresh, and said so', async () => {
  const dir = join(root, 'not-json');
  mkdirSync(dir, { recursive: true });
  writeFileSync(statusPath(dir), '{"version":1,');
  const { status, repairs } = await readStatusChecked(dir);
  assert.ok(repairs.some((r) => /not valid JSON/.test(r)));
  assert.is(status.condition.reason, 'NeverRun');
});

test('a pass on a malformed status file logs status.repaired and records itself', async () => {
  const f = await passFixture();
  try {
    mkdirSync(f.stateDir, { recursive: true });
    writeFileSync(statusPath(f.stateDir), JSON.stringify({ version: 1, history: 'abc', lastApplied: { commit: 7 } }));
    const r = await f.pass();
    assert.is(r.result, 'applied', r.message);
    const events = f.logLines.map((l) => JSON.parse(l) as { event: string; repairs?: string[] });
    const repaired = events.find((e) => e.event === 'status.repaired');
    assert.ok(repaired?.repairs?.some((x) => /history/.test(x)), JSON.stringify(repaired));
    assert.not.ok(events.some((e) => e.event === 'status.write-failed'));
    const after = await readStatusChecked(f.stateDir);
    assert.equal(after.repairs, []);
    assert.is(after.status.history.length, 1);
    assert.is(after.status.condition.type, 'Ready');
    assert.is(after.status.lastApplied?.commit, f.remote.head());
  } finally {
    f.cleanup();
  }
});

test.run();
