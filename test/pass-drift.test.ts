// Drift: the live file edited by hand while the commit did not change — corrected or only reported,
// always logged with a redacted diff. Also: no password in any log line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import { readStatus } from '../reconciler/state.js';
import { redact } from '../reconciler/log.js';
import { redactedDiff } from '../reconciler/steps/compare.js';
import { passFixture, type FixtureOptions, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });
async function setup(opts: FixtureOptions = {}): Promise<PassFixture> {
  const f = await passFixture(opts);
  fixtures.push(f);
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  return f;
}

function handEdit(f: PassFixture): string {
  const edited = f.live()!.toString().replace('"Turret Desk 2" <6001>', '"Edited By Hand" <6001>')
    .replace(/(\[6002\][^\n]*\n(?:[^\n[]+\n)*?inbound_auth\/password = )[^\n]+/, '$1NewSecretByHand9');
  assert.ok(edited.includes('NewSecretByHand9'));
  writeFileSync(f.liveFile, edited);
  return edited;
}

function driftEvents(f: PassFixture): Record<string, unknown>[] {
  return f.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'drift.detected');
}

test('drift corrected: the hand edit is logged with a redacted diff and the file rewritten', async () => {
  const f = await setup();
  const good = f.live()!;
  handEdit(f);
  const r = await f.pass();
  assert.is(r.result, 'drift-corrected', r.message);
  assert.is(r.reason, 'DriftCorrected');
  assert.is(r.condition, 'Ready');
  assert.equal(f.live(), good);
  assert.is(await f.fake.reloadCount(), 2);
  const events = driftEvents(f);
  assert.is(events.length, 1);
  const diff = String(events[0]!.diff);
  assert.match(diff, /^-endpoint\/callerid = "Edited By Hand" <6001>$/m);
  assert.match(diff, /^\+endpoint\/callerid = "Turret Desk 2" <6001>$/m);
  assert.match(diff, /inbound_auth\/password = \(secret\)/);
  const all = f.logLines.join('');
  assert.not.ok(all.includes('NewSecretByHand9'), 'the hand-written password is not logged');
  assert.not.ok(all.includes('Maja1234'), 'the shipped password is not logged');
  assert.is((await readStatus(f.stateDir)).counters.driftEvents, 1);
});

test('drift reported: logged, left as it is, no reload; Stalled until fixed', async () => {
  const f = await setup({ config: { drift: { mode: 'report' } } });
  const edited = handEdit(f);
  const r = await f.pass();
  assert.is(r.result, 'drift-reported', r.message);
  assert.is(r.reason, 'DriftDetected');
  assert.is(r.condition, 'Stalled');
  assert.is(f.live()!.toString(), edited);
  assert.is(await f.fake.reloadCount(), 1);
  assert.is(driftEvents(f).length, 1);
  assert.not.ok(f.logLines.join('').includes('NewSecretByHand9'));
});

test('a deleted live file is drift too, and is written back', async () => {
  const f = await setup();
  const good = f.live()!;
  rmSync(f.liveFile);
  const r = await f.pass();
  assert.is(r.result, 'drift-corrected', r.message);
  assert.equal(f.live(), good);
});

test('a hand edit together with a new commit is simply applied (the commit wins)', async () => {
  const f = await setup();
  handEdit(f);
  f.remote.commit({ 'extensions/6003.yaml': 'extension: 6003\nname: New Name\nauth: { password: Maja1234 }\n' });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.match(f.live()!.toString(), /"New Name" <6003>/);
  assert.match(f.live()!.toString(), /"Turret Desk 2" <6001>/);
});

test('redact: known values and password-like fields, in conf lines and diffs', () => {
  const text = ['inbound_auth/password = abc;def', '-inbound_auth/password = old1', '+password: new2', 'secret=xyz', 'name = open'].join('\n');
  assert.is(redact(text), ['inbound_auth/password = (secret)', '-inbound_auth/password = (secret)', '+password: (secret)', 'secret=(secret)', 'name = open'].join('\n'));
  assert.is(redact('the value hunter2 leaked', ['hunter2']), 'the value (secret) leaked');
});

test('a hand-changed password alone is named in the drift diff, its values never shown', () => {
  const desired = '[6001](t)\ntype = wizard\ninbound_auth/password = Right-Pass-1\n\n[6002](t)\ninbound_auth/password = Other-Pass-2\n';
  const live = desired.replace('Right-Pass-1', 'Hand-Typed-9');
  const d = redactedDiff(live, redact(desired), 'pjsip_wizard.conf', [], desired);
  assert.match(d, '(secret values differ, not shown: [6001] inbound_auth/password)');
  assert.not.match(d, '@@', 'both sides read (secret): no hunk');
  for (const pw of ['Right-Pass-1', 'Hand-Typed-9', 'Other-Pass-2']) assert.not.match(d, pw);
  // without the desired text (callers that cannot give it) there is no note, and still no value
  assert.not.match(redactedDiff(live, redact(desired), 'pjsip_wizard.conf'), 'secret values differ');
});

test('redactedDiff falls back to a summary when the diff takes too long', () => {
  const a = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${i % 7}`).join('\n');
  const b = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${i % 5}`).join('\n');
  const d = redactedDiff(a, b, 'pjsip_wizard.conf');
  // most of 40,000 lines differ: no diff finishes within the limit, so this is always the summary
  assert.match(d, /^\(diff too large to show in \d+ ms: live 40000 lines, from git 40000 lines\)$/);
});

test.run();
