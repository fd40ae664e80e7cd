// A rollback goes to the last content that verified — never to less: not to an empty file when the
// live one was deleted or emptied, not to a hand edit — and is reloaded and verified like a deploy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPass } from '../reconciler/pass.js';
import { readStatus, sha256, verifiedCopyPath } from '../reconciler/state.js';
import { passFixture, type FixtureOptions, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });
async function setup(opts: FixtureOptions = {}): Promise<PassFixture> {
  const f = await passFixture(opts);
  fixtures.push(f);
  return f;
}

// a new extension whose section this Asterisk refuses (the fake drops it): the commit fails verify
const EXT_7000 = { 'extensions/7000.yaml': 'extension: 7000\nname: Lab Phone\ntemplate: softphone\nauth: { password: Maja1234 }\n' };
const REFUSE_7000 = { dropSections: ['7000'] };

function events(f: PassFixture, name: string): Record<string, unknown>[] {
  return f.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === name);
}

/** Applied once (24 endpoints loaded), then a commit Asterisk will refuse. */
async function appliedThenBad(): Promise<{ f: PassFixture; good: Buffer }> {
  const f = await setup();
  const first = await f.pass();
  assert.is(first.result, 'applied', first.message);
  f.remote.commit(EXT_7000);
  f.fake.setMode(REFUSE_7000);
  return { f, good: f.live()! };
}

const spoiled: { name: string; spoil(f: PassFixture, good: Buffer): void }[] = [
  { name: 'deleted', spoil: (f) => rmSync(f.liveFile) },
  { name: 'emptied (0 bytes)', spoil: (f) => writeFileSync(f.liveFile, '') },
  { name: 'hand-edited', spoil: (f, good) => writeFileSync(f.liveFile, good.toString().replace('"Turret Desk 2" <6001>', '"Hand Edit" <6001>')) },
];

for (const c of spoiled) {
  test(`live file ${c.name} + a commit that fails verify: rolled back to the last verified file, Asterisk keeps 24 endpoints`, async () => {
    const { f, good } = await appliedThenBad();
    c.spoil(f, good);
    const r = await f.pass();
    assert.is(r.result, 'failed', r.message);
    assert.is(r.reason, 'VerifyFailed');
    assert.equal(f.live(), good, 'the live file is the last one that verified, byte for byte');
    const loaded = await f.fake.loaded();
    assert.is(loaded.endpoints.length, 24);
    assert.is(loaded.callerids['6001'], '6001');
    assert.is(r.reloadCount, 2, 'the reload, then the reload of the restored file');
    const done = events(f, 'rollback.done');
    assert.is(done.length, 1);
    assert.is(done[0]!.verifiedContent, true);
    assert.match(String(done[0]!.verify), /^24 endpoints verified/);
    const status = await readStatus(f.stateDir);
    assert.is(status.lastFailed?.commit, f.remote.head());
    assert.is(status.lastApplied?.fileSha256, sha256(good));
  });
}

test('the verified copy is kept 0600 in the state dir', async () => {
  const { f, good } = await appliedThenBad();
  assert.equal(readFileSync(verifiedCopyPath(f.stateDir)), good);
  assert.is(statSync(verifiedCopyPath(f.stateDir)).mode & 0o777, 0o600);
});

test('without the verified copy (an older state dir), the newest backup holding the last verified content is used', async () => {
  const { f, good } = await appliedThenBad();
  // the first failure backs the good file up and restores it from the live bytes
  assert.is((await f.pass()).reason, 'VerifyFailed');
  assert.equal(f.live(), good);
  rmSync(verifiedCopyPath(f.stateDir), { force: true });
  rmSync(f.liveFile);
  const r = await runPass(f.deps, { trigger: 'sighup' });
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.equal(f.live(), good);
  assert.is((await f.fake.loaded()).endpoints.length, 24);
  const restored = String(events(f, 'rollback.done').at(-1)!.restored);
  assert.ok(restored.includes(join(f.stateDir, 'backups')), restored);
  assert.ok(readdirSync(join(f.stateDir, 'backups')).some((n) => n.includes(sha256(good).slice(0, 8))));
});

test('nothing ever verified and no live file: the failed file stays (no empty file), the message says no rollback, never Ready', async () => {
  const f = await setup({ files: EXT_7000, fake: REFUSE_7000 });
  const r = await f.pass();
  assert.is(r.result, 'failed', r.message);
  assert.is(r.reason, 'VerifyFailed');
  assert.match(r.message, /NOT ROLLED BACK/);
  assert.not.match(r.message, /restored/);
  const live = f.live();
  assert.ok(live && live.length > 0, 'no empty file was written');
  assert.match(live!.toString(), /^\[6001\]/m);
  assert.is(r.reloadCount, 1, 'no second reload: nothing was restored');
  // Asterisk keeps what the failed file's reload loaded: the 24 it accepted, not 0
  assert.is((await f.fake.loaded()).endpoints.length, 24);
  assert.is(events(f, 'rollback.none').length, 1);
  const status = await readStatus(f.stateDir);
  assert.is(status.lastFailed?.fileSha256, sha256(live!));
  assert.is(status.lastApplied, undefined);
  // the failed file is live now: an automatic pass reports it Failed, it is not "unchanged"
  const auto = await runPass(f.deps, { trigger: 'interval' });
  assert.is(auto.condition, 'Failed', auto.message);
  assert.is(auto.reason, 'VerifyFailed');
  assert.is(auto.reloaded, false);
});

test('a rollback target with no extensions is refused unless guards.allowEmpty (the failed file stays)', async () => {
  const f = await setup();
  assert.is((await f.pass()).result, 'applied');
  const all = readdirSync(join(f.remote.work, 'extensions')).filter((n) => n !== 'site.yaml');
  const site = readFileSync(join(f.remote.work, 'extensions/site.yaml'), 'utf8');
  const gone: Record<string, string | null> = { 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 100, allowEmpty: true }\n` };
  for (const name of all) gone[`extensions/${name}`] = null;
  f.remote.commit(gone);
  const empty = await f.pass();
  assert.is(empty.result, 'applied', empty.message);
  assert.is((await f.fake.loaded()).endpoints.length, 0);
  // the host config forbids empty files (it may tighten the site's guards); the extensions come back, with one Asterisk refuses
  f.config.guards.allowEmpty = false;
  const back: Record<string, string> = { ...EXT_7000 };
  for (const name of all) back[`extensions/${name}`] = readFileSync(join(process.cwd(), 'extensions', name), 'utf8');
  f.remote.commit(back);
  f.fake.setMode(REFUSE_7000);
  const r = await f.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /NOT ROLLED BACK/);
  assert.match(f.live()!.toString(), /^\[6001\]/m, 'the failed file stays; the empty one is not put back');
  assert.is((await f.fake.loaded()).endpoints.length, 24);
  assert.is(events(f, 'rollback.refused').length, 1);
});

test.run();
