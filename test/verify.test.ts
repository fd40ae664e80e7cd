// Verify checks what a change touched, not only that each endpoint exists: an added or changed
// extension whose aor or auth Asterisk dropped, or whose changed value Asterisk refused (it then keeps
// the old object), is VerifyFailed and rolled back; a normal change verifies with one `pjsip show`
// per object it touched. The fake Asterisk, as test/real/verify.test.ts does against a real one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appliedFixture, type PassFixture } from './helpers/pass-fixture.js';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

const ext = (n: string, name: string, more = '') =>
  `extension: ${n}\nname: ${name}\nauth: { password: Maja1234 }\n${more}`;

const applied = (): Promise<PassFixture> => appliedFixture(cleanups);

const showCommands = async (f: PassFixture, since: number) =>
  (await f.fake.commands()).slice(since).filter((c) => /^pjsip show (endpoint|aor|auth|identify|registration) /.test(c));

test('a normal change verifies with one pjsip show per object of the changed extension, none for the others', async () => {
  const f = await applied();
  f.remote.commit({ 'extensions/6010.yaml': ext('6010', 'Softphone Renamed', 'options:\n  aor/max_contacts: 3\n') });
  const since = (await f.fake.commands()).length;
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.equal(r.changes?.changed, ['6010']);
  assert.equal((await showCommands(f, since)).sort(), ['pjsip show aor 6010', 'pjsip show auth 6010-iauth', 'pjsip show endpoint 6010']);
  // each of its objects was shown: no listing of every aor or auth (it stalls a large PBX)
  assert.equal((await f.fake.commands()).slice(since).filter((c) => /^pjsip (show|list) (aors|auths|identifies|registrations)\b/.test(c)), []);
});

test('an added extension whose aor Asterisk drops (endpoint loaded): VerifyFailed naming it, rolled back', async () => {
  const f = await applied();
  const verified = f.live()!;
  f.fake.setMode({ dropObjects: [{ type: 'aor', id: '7000' }] });
  f.remote.commit({ 'extensions/7000.yaml': ext('7000', 'Lab Bench', 'template: custom\n') });
  const r = await f.pass();
  assert.is(r.result, 'failed', r.message);
  assert.is(r.reason, 'VerifyFailed');
  assert.match(r.message, /7000: aor 7000 missing/);
  assert.is(r.reloadCount, 2, 'the new file, then the restored one');
  assert.equal(f.live(), verified);
  assert.not.ok((await f.fake.loaded()).endpoints.includes('7000'));
});

test('an added extension whose inbound auth Asterisk drops: VerifyFailed naming the auth', async () => {
  const f = await applied();
  f.fake.setMode({ dropObjects: [{ type: 'auth', id: '7001-iauth' }] });
  f.remote.commit({ 'extensions/7001.yaml': ext('7001', 'Lab Phone', 'template: custom\n') });
  const r = await f.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /7001: auth 7001-iauth missing/);
});

test('a changed value Asterisk refuses keeps the old aor: the endpoint and aor exist, the value differs — VerifyFailed naming the option', async () => {
  const f = await applied();
  const verified = f.live()!;
  // the compiler accepts it; Asterisk's double parser refuses a value out of range and keeps the old aor
  f.remote.commit({ 'extensions/6011.yaml': ext('6011', 'Softphone Two', 'options:\n  aor/qualify_timeout: "1e400"\n') });
  const r = await f.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /6011: aor\/qualify_timeout is "3\.000000" in Asterisk/);
  assert.equal(f.live(), verified);
  assert.ok((await f.fake.loaded()).aors.includes('6011'), 'the old aor was there all along');
});

test('a password Asterisk shows differently is named, never printed', async () => {
  const f = await applied();
  f.remote.commit({ 'extensions/6012.yaml': ext('6012', 'Softphone Three').replace('Maja1234', 'NewSecret987') });
  // the fake keeps the old auth when the new one fails: make it fail
  f.fake.setMode({ dropObjects: [{ type: 'auth', id: '6012-iauth' }], keepOldObjectOnFailure: true });
  const r = await f.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /6012: inbound_auth\/password differs/);
  const all = `${r.message}\n${f.logLines.join('\n')}`;
  assert.not.ok(all.includes('NewSecret987'), 'the new password is not in the message or log');
  assert.not.ok(all.includes('Maja1234'), 'nor the old one');
});

test('verify off: no per-object show', async () => {
  const f = await applied();
  f.config.verify = false;
  f.remote.commit({ 'extensions/6013.yaml': ext('6013', 'Softphone Four Renamed') });
  const since = (await f.fake.commands()).length;
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.equal(await showCommands(f, since), []);
});

test.run();
