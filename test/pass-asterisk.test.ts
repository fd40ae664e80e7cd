// Every way Asterisk can refuse a reload or lose endpoints: each gets its own reason, and the live
// file is put back byte for byte (and reloaded again) whenever the new one was written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPass } from '../reconciler/pass.js';
import { readStatus } from '../reconciler/state.js';
import { createFakeAsterisk, type FakeAsterisk, type FakeAsteriskMode } from './helpers/fake-asterisk.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

const ext6001 = (name: string) => `extension: 6001\nname: ${name}\nauth: { password: Maja1234 }\n`;

/** Applied once, then a change pushed: the next pass has something to write. */
async function appliedThenChanged(): Promise<{ f: PassFixture; before: Buffer }> {
  const f = await passFixture();
  cleanups.push(() => f.cleanup());
  const first = await f.pass();
  assert.is(first.result, 'applied', first.message);
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Changed Desk') });
  return { f, before: f.live()! };
}

/** A second fake whose state says how Asterisk answers the reload (it went down, hangs, …) while the checks before it passed. */
function reloadThrough(f: PassFixture, mode: Partial<FakeAsteriskMode>): FakeAsterisk {
  const other = createFakeAsterisk({ confPath: f.liveFile, ...mode });
  cleanups.push(() => other.cleanup());
  f.config.asterisk.reload = other.reloadArgv;
  return other;
}

/** `arrange` returns the fake that receives the reloads when it is not the fixture's own, or null when no Asterisk can receive them */
const cases: { name: string; arrange(f: PassFixture): FakeAsterisk | null | void; result: string; reason: string }[] = [
  { name: "'pjsip reload' (no such command in Asterisk 22, exit 0)", result: 'failed', reason: 'AsteriskCommandUnknown',
    arrange: (f) => { f.config.asterisk.reload = [f.fake.bin, '-rx', 'pjsip reload']; } },
  { name: 'a module that does not exist (exit 0)', result: 'failed', reason: 'ReloadModuleMissing',
    arrange: (f) => { f.config.asterisk.reload = [f.fake.bin, '-rx', 'module reload no_such_module.so']; } },
  { name: 'Asterisk still booting: request queued', result: 'transient', reason: 'AsteriskBooting',
    arrange: (f) => f.fake.setMode({ booting: true }) },
  { name: 'another reload in progress', result: 'transient', reason: 'ReloadInProgress',
    arrange: (f) => f.fake.setMode({ reloadInProgress: true }) },
  { name: 'Asterisk down at reload time', result: 'transient', reason: 'AsteriskUnreachable',
    arrange: (f) => reloadThrough(f, { down: true }) },
  { name: 'the CLI hangs: killed at the timeout', result: 'transient', reason: 'AsteriskTimeout',
    arrange: (f) => { f.config.asterisk.timeoutMs = 2500; return reloadThrough(f, { hang: true }); } }, // room for a slow start of the other commands under load
  { name: 'a reload command that cannot be run', result: 'failed', reason: 'ReloadFailed',
    arrange: (f) => { f.config.asterisk.reload = [join(f.root, 'no-such-asterisk'), '-rx', 'module reload res_pjsip.so']; return null; } },
];

for (const c of cases) {
  test(`reload refused — ${c.name}: ${c.reason}, the previous file restored byte-identical`, async () => {
    const { f, before } = await appliedThenChanged();
    const arranged = c.arrange(f);
    const receiver = arranged === undefined ? f.fake : arranged;
    const reloadCommand = f.config.asterisk.reload.at(-1)!;
    const received = async () => (receiver ? (await receiver.commands()).filter((x) => x === reloadCommand).length : 0);
    const receivedBefore = await received();
    const r = await f.pass();
    assert.is(r.result, c.result, r.message);
    assert.is(r.reason, c.reason, r.message);
    assert.is(r.transient, c.result === 'transient');
    assert.is(r.condition, 'Failed');
    assert.equal(f.live(), before, 'the live file is the old one, byte for byte');
    assert.is(r.reloadCount, 2, 'the reload, then the reload of the restored file');
    assert.match(r.message, /restored the previous file/);
    // the file the pass tried to write never stayed live: Asterisk still has the old callerid
    assert.is((await f.fake.loaded()).objects.endpoint?.['6001']?.fields.callerid, '"Turret Desk 2" <6001>');
    // both reloads reached Asterisk (the pass's own count aside)
    assert.is((await received()) - receivedBefore, receiver ? 2 : 0, `${reloadCommand} received`);
    const status = await readStatus(f.stateDir);
    assert.is(status.condition.reason, c.reason);
    assert.is.not(status.lastApplied?.commit, f.remote.head(), 'the failed commit is not recorded as applied');
    // a backup of the old file was kept
    const backups = readdirSync(join(f.stateDir, 'backups'));
    assert.equal(readFileSync(join(f.stateDir, 'backups', backups.sort().at(-1)!)), before);
  });
}

test('Asterisk down before anything is written: transient, nothing written', async () => {
  const { f, before } = await appliedThenChanged();
  f.fake.setMode({ down: true });
  const r = await f.pass();
  assert.is(r.result, 'transient');
  assert.is(r.reason, 'AsteriskUnreachable');
  assert.is(r.reloaded, false);
  assert.equal(f.live(), before);
  assert.equal(r.steps?.at(-1), { name: 'host-check', outcome: 'fail', ms: r.steps!.at(-1)!.ms });
});

test('Asterisk hangs before anything is written: transient timeout, nothing written', async () => {
  const { f, before } = await appliedThenChanged();
  f.fake.setMode({ hang: true });
  f.config.asterisk.timeoutMs = 300;
  const r = await f.pass();
  assert.is(r.reason, 'AsteriskTimeout');
  assert.is(r.transient, true);
  assert.equal(f.live(), before);
});

test('verify: an endpoint Asterisk dropped → VerifyFailed, rollback byte-identical, second reload', async () => {
  const { f, before } = await appliedThenChanged();
  const reloads = await f.fake.reloadCount();
  f.fake.setMode({ dropSections: ['6001'] });
  const r = await f.pass();
  assert.is(r.result, 'failed', r.message);
  assert.is(r.reason, 'VerifyFailed');
  assert.match(r.message, /not loaded: 6001/);
  assert.match(r.message, /restored the previous file and reloaded it/);
  assert.is(r.reloadCount, 2);
  assert.is(await f.fake.reloadCount(), reloads + 2);
  assert.equal(f.live(), before);
  assert.is(r.transient, false);
});

test('verify: a removed extension still loaded → VerifyFailed and rollback', async () => {
  const f = await passFixture();
  cleanups.push(() => f.cleanup());
  await f.pass();
  const before = f.live()!;
  f.remote.commit({ 'extensions/6023.yaml': null });
  // an Asterisk that keeps every endpoint: the reload "succeeds" but 6023 stays
  const stuck = createFakeAsterisk({ confPath: join(f.root, 'elsewhere.conf') });
  cleanups.push(() => stuck.cleanup());
  f.config.asterisk.reload = stuck.reloadArgv;
  const r = await f.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /still loaded after removal: 6023/);
  assert.equal(f.live(), before);
});

test('content that failed is not retried by automatic passes until a new commit or a manual pass', async () => {
  const { f, before } = await appliedThenChanged();
  f.fake.setMode({ dropSections: ['6001'] });
  assert.is((await f.pass()).reason, 'VerifyFailed');
  const reloads = await f.fake.reloadCount();
  const auto = await runPass(f.deps, { trigger: 'interval' });
  assert.is(auto.result, 'failed');
  assert.is(auto.reason, 'VerifyFailed');
  assert.match(auto.message, /waiting for a new commit/);
  assert.is(await f.fake.reloadCount(), reloads, 'no reload for known-bad content');
  assert.equal(f.live(), before);
  // a manual pass (apply, SIGHUP) tries again
  const manual = await runPass(f.deps, { trigger: 'sighup' });
  assert.is(manual.reason, 'VerifyFailed');
  assert.is(await f.fake.reloadCount(), reloads + 2);
  // a new commit is deployed by the loop again
  f.fake.setMode({ dropSections: [] });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Fixed Desk') });
  const next = await runPass(f.deps, { trigger: 'interval' });
  assert.is(next.result, 'applied', next.message);
  assert.is((await readStatus(f.stateDir)).lastFailed, undefined);
});

test('with verify off, a dropped endpoint is not noticed (the check is what catches it)', async () => {
  const { f } = await appliedThenChanged();
  f.config.verify = false;
  f.fake.setMode({ dropSections: ['6001'] });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.match(r.message, /verify is off/);
});

test.run();
