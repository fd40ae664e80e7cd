// The reload timeout scales with the PBX: the larger of `asterisk.timeout` and 3× the last measured
// reload scaled to this one's endpoints (an estimate per endpoint when none was measured), capped.
// On the fake Asterisk: a reload slower than the configured timeout succeeds within the derived one
// (and is killed without history), a hanging one is still killed at the derived timeout, and the
// rollback's reload is timed by the same rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listingTimeoutMs, reloadTimeout, TIMEOUT_CAP_MS } from '../reconciler/reload-timeout.js';
import { emptyStatus, readStatus, writeStatus } from '../reconciler/state.js';
import { repairStatus } from '../reconciler/status-repair.js';
import { createFakeAsterisk, fakeProcesses } from './helpers/fake-asterisk.js';
import { appliedFixture, type PassFixture } from './helpers/pass-fixture.js';

test('the configured timeout is the floor; a measured reload scales with the endpoints', () => {
  assert.equal(reloadTimeout(30_000, 24, { durationMs: 200, endpoints: 24, time: '' }).timeoutMs, 30_000);
  assert.is(reloadTimeout(30_000, 24, undefined).basis, 'configured');
  // 12 s at 10,000 → 20,000 takes about twice that: 3 × 24 s
  const t = reloadTimeout(30_000, 20_000, { durationMs: 12_000, endpoints: 10_000, time: '' });
  assert.equal([t.timeoutMs, t.basis], [72_000, 'last-reload']);
  assert.match(t.why, /12000 ms for 10000 endpoints/);
  // fewer endpoints than last time: scaled down, never under the configured
  assert.is(reloadTimeout(30_000, 5_000, { durationMs: 12_000, endpoints: 10_000, time: '' }).timeoutMs, 30_000);
});

test('no reload measured yet: 3 × 1.4 ms per endpoint; capped at 10 minutes unless configured longer', () => {
  assert.equal(reloadTimeout(30_000, 10_000, undefined).timeoutMs, 42_000);
  assert.is(reloadTimeout(30_000, 10_000, undefined).basis, 'estimate');
  const huge = reloadTimeout(30_000, 200_000, undefined);
  assert.equal([huge.timeoutMs, huge.basis], [TIMEOUT_CAP_MS, 'cap']);
  assert.is(reloadTimeout(15 * 60_000, 200_000, undefined).timeoutMs, 15 * 60_000);
  assert.is(reloadTimeout(30_000, 30_000, { durationMs: 300_000, endpoints: 10_000, time: '' }).timeoutMs, TIMEOUT_CAP_MS);
});

test('a listing of every object right after a reload waits as long as that reload may', () => {
  const last = { durationMs: 12_000, endpoints: 10_000, time: '' };
  assert.is(listingTimeoutMs({}, 30_000, 20_000, last), 72_000);
  assert.is(listingTimeoutMs({}, 30_000, 24, last), 30_000);
});

test('a malformed lastReload in the status file is dropped and named', () => {
  const raw = { ...emptyStatus(), lastReload: { durationMs: 'slow', endpoints: 24, time: 'x' } };
  const { status, repairs } = repairStatus(JSON.parse(JSON.stringify(raw)), emptyStatus());
  assert.is(status.lastReload, undefined);
  assert.equal(repairs, ['lastReload dropped (bad durationMs)']);
  const good = repairStatus({ ...raw, lastReload: { durationMs: 900, endpoints: 24, time: 'x' } }, emptyStatus());
  assert.equal(good.status.lastReload, { durationMs: 900, endpoints: 24, time: 'x' });
});

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

interface Event { event: string; [k: string]: unknown }
const events = (f: PassFixture, name: string, since = 0) => f.logLines.slice(since).map((l) => JSON.parse(l) as Event).filter((e) => e.event === name);
const ext6001 = (name: string) => `extension: 6001\nname: ${name}\nauth: { password: Maja1234 }\n`;

const applied = (): Promise<PassFixture> => appliedFixture(cleanups);

/** The status as if the last reload took `durationMs` for the shipped 24 endpoints (or none was measured). */
async function lastReload(f: PassFixture, durationMs: number | null): Promise<void> {
  const s = await readStatus(f.stateDir);
  if (durationMs === null) delete s.lastReload;
  else s.lastReload = { durationMs, endpoints: 24, time: new Date().toISOString() };
  await writeStatus(f.stateDir, s);
}

const reloadMs = (r: { steps?: { name: string; ms: number }[] }) => r.steps?.find((s) => s.name === 'reload')?.ms ?? -1;

test('every successful reload is recorded with its endpoints; a reload slower than asterisk.timeout succeeds within 3× the last one', async () => {
  const f = await applied();
  const first = await readStatus(f.stateDir);
  assert.is(first.lastReload?.endpoints, 24);
  assert.ok((first.lastReload?.durationMs ?? -1) >= 0);

  // the configured 2 s alone would kill a 3 s reload: the last one took 2 s, so it may take 6 s
  f.config.asterisk.timeoutMs = 2000;
  await lastReload(f, 2000);
  f.fake.setMode({ reloadDelayMs: 3000 });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Slow Desk') });
  const since = f.logLines.length;
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.ok(reloadMs(r) >= 3000, `the reload took ${reloadMs(r)} ms`);
  const [chosen] = events(f, 'reload.timeout', since);
  assert.equal({ timeoutMs: chosen?.timeoutMs, basis: chosen?.basis, for: chosen?.for }, { timeoutMs: 6000, basis: 'last-reload', for: 'new file' });
  const after = await readStatus(f.stateDir);
  assert.ok((after.lastReload?.durationMs ?? 0) >= 3000, 'the slow reload is the new measure');
  assert.is(after.lastReload?.endpoints, 24);

  // the rollback's reload, after a verify failure: timed by this pass's own measure (3 s+ → 9 s+), and succeeds
  f.fake.setMode({ dropObjects: [{ type: 'aor', id: '6002' }], keepOldObjectOnFailure: false });
  f.remote.commit({ 'extensions/6002.yaml': 'extension: 6002\nname: Dropped Aor\nauth: { password: Maja1234 }\n' });
  const since2 = f.logLines.length;
  const failed = await f.pass();
  assert.is(failed.reason, 'VerifyFailed', failed.message);
  assert.match(failed.message, /restored the previous file and reloaded it/);
  const [forNew, forRollback] = events(f, 'reload.timeout', since2);
  assert.is(forNew?.for, 'new file');
  assert.is(forRollback?.for, 'rollback');
  assert.ok((forRollback?.timeoutMs as number) >= 9000, `rollback timeout ${forRollback?.timeoutMs} ms`);
  assert.is(forRollback?.basis, 'last-reload');
});

test('without a measured reload the same slow reload is killed at asterisk.timeout (so the history is what let it through)', async () => {
  const f = await applied();
  f.config.asterisk.timeoutMs = 2000;
  await lastReload(f, null);
  f.fake.setMode({ reloadDelayMs: 3000 });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Slow Desk') });
  const since = f.logLines.length;
  const r = await f.pass();
  assert.is(r.reason, 'AsteriskTimeout', r.message);
  assert.match(r.message, /no answer within 2000 ms/);
  const timeouts = events(f, 'reload.timeout', since);
  assert.equal(timeouts.map((e) => [e.for, e.timeoutMs, e.basis]), [['new file', 2000, 'configured'], ['rollback', 2000, 'configured']]);
});

test('a hanging reload is killed at the derived timeout, and so is the rollback\'s', async () => {
  const f = await applied();
  f.config.asterisk.timeoutMs = 2000;
  await lastReload(f, 1500);
  // the reload goes to a fake that never answers; the checks before it to the fixture's own
  const hung = createFakeAsterisk({ confPath: f.liveFile, hang: true });
  cleanups.push(() => hung.cleanup());
  f.config.asterisk.reload = hung.reloadArgv;
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Hung Desk') });
  const since = f.logLines.length;
  const r = await f.pass();
  assert.is(r.reason, 'AsteriskTimeout', r.message);
  assert.match(r.message, /no answer within 4500 ms/);
  // the step holds both reloads: the new file's and the rollback's, each killed at 4.5 s
  assert.ok(reloadMs(r) >= 9000 && reloadMs(r) < 9000 + 6000, `reload step ${reloadMs(r)} ms`);
  assert.equal(events(f, 'reload.timeout', since).map((e) => [e.for, e.timeoutMs]), [['new file', 4500], ['rollback', 4500]]);
  assert.equal(fakeProcesses(hung), [], 'both hung CLIs were killed');
  assert.is((await readStatus(f.stateDir)).lastReload?.durationMs, 1500, 'a killed reload is no measure');
});

test.run();
