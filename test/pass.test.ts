// One pass against real git, real files and the fake Asterisk: apply, nothing changed, force-push,
// unreachable remote, a commit that does not compile, guards, host checks, dry run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { compile } from '../compiler/compile.js';
import { targetError } from '../reconciler/errors.js';
import { readSourcesAtRev } from '../reconciler/git.js';
import { markPending, readStatus, saveBackup, sha256 } from '../reconciler/state.js';
import { passFixture, type FixtureOptions, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });
async function setup(opts: FixtureOptions = {}): Promise<PassFixture> {
  const f = await passFixture(opts);
  fixtures.push(f);
  return f;
}

const ext6001 = (name: string) => `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: 6001\nname: ${name}\nauth: { password: Maja1234 }\n`;

test('first pass writes, reloads once and verifies all 24 endpoints; the second changes nothing', async () => {
  const f = await setup();
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.is(r.condition, 'Ready');
  assert.is(r.reason, 'Applied');
  assert.is(r.commit, f.remote.head());
  assert.ok(r.reloaded);
  assert.is(await f.fake.reloadCount(), 1);
  assert.is((await f.fake.loaded()).endpoints.length, 24);
  assert.match(r.message, /verified 24 endpoints/);
  const live = f.live()!;
  assert.is(statSync(f.liveFile).mode & 0o777, 0o640);
  const status = await readStatus(f.stateDir);
  assert.is(status.lastApplied?.commit, r.commit);
  assert.is(status.lastApplied?.fileSha256, sha256(live));
  assert.is(status.lastApplied?.hash, r.hash);
  assert.is(status.condition.type, 'Ready');
  assert.is(status.counters.reloads, 1);

  const again = await f.pass();
  assert.is(again.result, 'unchanged', again.message);
  assert.is(again.reloaded, false);
  assert.is(await f.fake.reloadCount(), 1);
  // nothing went into the commit's compile: the pass stopped before it
  assert.not.ok(again.steps?.some((s) => s.name === 'compile'));
  assert.equal(f.live(), live);
  const s2 = await readStatus(f.stateDir);
  assert.is(s2.history.length, 2);
  assert.is(s2.counters.passes.unchanged, 1);
  assert.is(s2.counters.passes.applied, 1);
});

test('a README-only commit writes and reloads nothing, and records the new commit', async () => {
  const f = await setup();
  await f.pass();
  const before = statSync(f.liveFile);
  const readme = f.remote.commit({ 'README.md': '# extensions\n\nnow with more words\n' });
  const r = await f.pass();
  assert.is(r.result, 'unchanged', r.message);
  assert.is(r.commit, readme);
  assert.is(r.reloaded, false);
  assert.is(await f.fake.reloadCount(), 1);
  const after = statSync(f.liveFile);
  assert.is(after.ino, before.ino, 'the file was not replaced');
  assert.is(after.mtimeMs, before.mtimeMs);
  assert.is((await readStatus(f.stateDir)).lastApplied?.commit, readme);
});

test('a changed extension is written after a backup, and a force-push is followed', async () => {
  const f = await setup();
  await f.pass();
  const first = f.live()!;
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Turret Desk Two') });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.equal(r.changes, { added: [], removed: [], changed: ['6001'] });
  assert.match(f.live()!.toString(), /"Turret Desk Two" <6001>/);
  const backups = readdirSync(join(f.stateDir, 'backups'));
  assert.is(backups.length, 1);
  assert.equal(readFileSync(join(f.stateDir, 'backups', backups[0]!)), first);
  assert.is(statSync(join(f.stateDir, 'backups', backups[0]!)).mode & 0o777, 0o600);

  const files: Record<string, string> = {};
  for (const name of readdirSync(join(f.remote.work, 'extensions'))) {
    files[`extensions/${name}`] = readFileSync(join(f.remote.work, 'extensions', name), 'utf8');
  }
  files['extensions/6001.yaml'] = ext6001('Rewritten Desk');
  const rewritten = f.remote.forcePush(files);
  const r2 = await f.pass();
  assert.is(r2.result, 'applied', r2.message);
  assert.is(r2.commit, rewritten);
  assert.match(f.live()!.toString(), /"Rewritten Desk" <6001>/);
  assert.is((await f.fake.loaded()).callerids['6001'], '6001');
});

test('backups: the newest five are kept', async () => {
  const f = await setup();
  await f.pass();
  for (let i = 0; i < 7; i++) {
    f.remote.commit({ 'extensions/6001.yaml': ext6001(`Desk v${i}`) });
    const r = await f.pass();
    assert.is(r.result, 'applied', r.message);
  }
  assert.is(readdirSync(join(f.stateDir, 'backups')).length, 5);
});

test('an unreachable remote is transient and leaves the live file alone', async () => {
  const f = await setup();
  await f.pass();
  const live = f.live();
  f.config.source.repo = join(f.root, 'gone.git');
  const r = await f.pass();
  assert.is(r.result, 'transient');
  assert.is(r.reason, 'FetchFailed');
  assert.is(r.transient, true);
  assert.is(r.condition, 'Failed');
  assert.match(r.message, /keeping the live file/);
  assert.equal(f.live(), live);
  assert.is(await f.fake.reloadCount(), 1);
  const status = await readStatus(f.stateDir);
  assert.is(status.lastApplied?.commit, f.remote.head(), 'the last good commit stays recorded');
  assert.is(status.condition.reason, 'FetchFailed');
});

test('a commit that does not compile is Stalled with file:line:col diagnostics; the live file stays', async () => {
  const f = await setup();
  await f.pass();
  const live = f.live();
  f.remote.commit({ 'extensions/6002.yaml': 'extension: 6002\nname: Broken\nauth: { password: Maja1234 }\noptions:\n  endpoint/no_such_option: 1\n' });
  const r = await f.pass();
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.condition, 'Stalled');
  assert.is(r.reason, 'CompileFailed');
  assert.ok(r.diagnostics?.some((d) => /^extensions\/6002\.yaml:5:\d+  UNKNOWN_OPTION/.test(d)), r.diagnostics?.join('\n'));
  assert.equal(f.live(), live);
  assert.is(await f.fake.reloadCount(), 1);
  // the status keeps a count and the first few, errors first
  const kept = (await readStatus(f.stateDir)).history[0];
  assert.is(kept?.diagnosticsCount, r.diagnostics?.length);
  assert.match(kept?.diagnostics?.[0] ?? '', /^extensions\/6002\.yaml:5:\d+  UNKNOWN_OPTION/);
});

test('guard: removing more extensions than maxDeletions is refused before writing', async () => {
  const f = await setup();
  await f.pass();
  const live = f.live();
  const gone: Record<string, null> = {};
  for (const n of [6010, 6011, 6012, 6013, 6014, 6015]) gone[`extensions/${n}.yaml`] = null;
  f.remote.commit(gone);
  const r = await f.pass();
  assert.is(r.result, 'stalled');
  assert.is(r.reason, 'GuardRefused');
  assert.match(r.message, /remove 6 extensions/);
  assert.equal(f.live(), live);
  assert.is(await f.fake.reloadCount(), 1);
  // five are allowed, and verify checks they are gone
  f.remote.commit({ 'extensions/6015.yaml': readFileSync(join(process.cwd(), 'extensions/6015.yaml'), 'utf8') });
  const ok = await f.pass();
  assert.is(ok.result, 'applied', ok.message);
  assert.equal(ok.changes?.removed, ['6010', '6011', '6012', '6013', '6014']);
  assert.is((await f.fake.loaded()).endpoints.length, 19);
});

test('guard: an empty file is refused unless allowEmpty', async () => {
  const f = await setup();
  await f.pass();
  const site = readFileSync(join(f.remote.work, 'extensions/site.yaml'), 'utf8');
  const gone: Record<string, string | null> = { 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 100 }\n` };
  for (const name of readdirSync(join(f.remote.work, 'extensions'))) if (name !== 'site.yaml') gone[`extensions/${name}`] = null;
  f.remote.commit(gone);
  const r = await f.pass();
  assert.is(r.reason, 'GuardRefused');
  assert.match(r.message, /no extensions/);
  assert.not.match(r.message, /remove 24 extensions in one pass/);
  // the site's policy allows it; a host config that says nothing does not loosen or tighten it
  f.remote.commit({ 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 100, allowEmpty: true }\n` });
  const ok = await f.pass();
  assert.is(ok.result, 'applied', ok.message);
  assert.is((await f.fake.loaded()).endpoints.length, 0);
});

test('host check: a transport Asterisk does not have is refused before writing', async () => {
  const f = await setup({ fake: { transports: [{ name: 'transport-udp', protocol: 'udp' }] } });
  const r = await f.pass();
  assert.is(r.result, 'stalled');
  assert.is(r.reason, 'TransportMissing');
  assert.match(r.message, /transport-ws \(ws\)/);
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
});

test('host check: templates preferring different codecs, one untranslatable, are refused', async () => {
  const site = readFileSync(join(process.cwd(), 'extensions/site.yaml'), 'utf8').replace('codecs: [g722, ulaw, alaw, opus]', 'codecs: [opus, g722, ulaw, alaw]');
  // webrtc now prefers Opus while softphone has none: the compiler only warns (OPUS_NO_PATH), so
  // the host check is what refuses it, as this Asterisk cannot translate Opus
  const f = await setup({ files: { 'extensions/site.yaml': site } });
  const r = await f.pass();
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.reason, 'CodecUntranslatable', r.message);
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
});

test('dry run says what it would do and changes nothing (no write, no reload, no status)', async () => {
  const f = await setup();
  const r = await f.pass({ dryRun: true });
  assert.is(r.result, 'dry-run', r.message);
  assert.is(r.condition, 'Ready');
  assert.match(r.message, /would write .*\+24 -0 ~0 extensions/);
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
  assert.is((await readStatus(f.stateDir)).history.length, 0);
  const real = await f.pass();
  assert.is(real.result, 'applied');
});

test('a hand-made live file with unknown extensions: the guard protects them', async () => {
  const handMade = ['[6999]', 'type = wizard', 'accepts_auth = yes', 'inbound_auth/password = hunter22', ''].join('\n');
  const many = Array.from({ length: 8 }, (_, i) => handMade.replace('6999', String(5990 + i))).join('\n');
  const f = await setup({ live: many });
  const r = await f.pass();
  assert.is(r.reason, 'GuardRefused');
  assert.equal(f.live()!.toString(), many);
  assert.not.ok(f.logLines.join('').includes('hunter22'));
});

test('a pass that died between writing and reloading is finished by the next one (reload + verify, not "unchanged")', async () => {
  const f = await setup();
  await f.pass();
  const old = f.live()!;
  const head = f.remote.commit({ 'extensions/6001.yaml': ext6001('Written Not Reloaded') });
  // what the dead pass did: backup, pending marker, write — then nothing
  const sources = await readSourcesAtRev(f.remote.bare, head, 'extensions');
  const compiled = compile(sources, { sourceLabel: 'extensions/' });
  assert.ok(compiled.ok);
  const conf = Buffer.from(compiled.ok ? compiled.conf : '');
  const backup = await saveBackup(f.stateDir, old);
  await markPending(f.stateDir, { commit: head, fileSha256: sha256(conf), backup, since: new Date().toISOString(), pid: 1 });
  writeFileSync(f.liveFile, conf);
  assert.is(await f.fake.reloadCount(), 1);

  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.is(await f.fake.reloadCount(), 2);
  assert.is((await f.fake.loaded()).objects.endpoint?.['6001']?.fields.callerid, '"Written Not Reloaded" <6001>');
  assert.is((await readStatus(f.stateDir)).pending, undefined);
  assert.ok(f.logLines.some((l) => l.includes('"pass.resume"')));
  // and a failure now rolls back to the last file that verified, not to a dead pass's half-done one
  const halfDone = Buffer.from(conf.toString().replace('"Written Not Reloaded" <6001>', '"Half Done" <6001>'));
  const verifiedBackup = await saveBackup(f.stateDir, conf);
  await markPending(f.stateDir, { commit: head, fileSha256: sha256(halfDone), backup: verifiedBackup, since: new Date().toISOString(), pid: 1 });
  writeFileSync(f.liveFile, halfDone);
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Will Fail') });
  f.fake.setMode({ dropSections: ['6001'] });
  const failed = await f.pass();
  assert.is(failed.reason, 'VerifyFailed');
  assert.equal(f.live(), conf);
});

test('target errors: refused access is Stalled, anything else transient', () => {
  const cases: { given: unknown; kind: string; reason: string }[] = [
    { given: Object.assign(new Error('host key mismatch'), { name: 'SshError', kind: 'host-key-mismatch' }), kind: 'stalled', reason: 'TargetRefused' },
    { given: Object.assign(new Error('auth'), { kind: 'auth-refused' }), kind: 'stalled', reason: 'TargetRefused' },
    { given: Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), kind: 'stalled', reason: 'TargetRefused' },
    { given: Object.assign(new Error('sftp permission denied'), { code: 3 }), kind: 'stalled', reason: 'TargetRefused' },
    { given: Object.assign(new Error('connection lost'), { kind: 'connection-lost' }), kind: 'transient', reason: 'TargetUnreachable' },
    { given: Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }), kind: 'transient', reason: 'TargetUnreachable' },
  ];
  for (const c of cases) {
    const e = targetError(c.given, 'reading');
    assert.is(e.kind, c.kind, String(c.given));
    assert.is(e.reason, c.reason, String(c.given));
  }
  assert.is(targetError(new Error('x'), 'writing', 'WriteFailed').reason, 'WriteFailed');
});

test.run();

test('guard: the host config can only tighten site.yaml\'s guards, never loosen them', async () => {
  const f = await setup({ config: { guards: { maxDeletions: 50, allowEmpty: true } } });
  await f.pass();
  const live = f.live();
  const gone: Record<string, null> = {};
  for (const n of [6010, 6011, 6012, 6013, 6014, 6015]) gone[`extensions/${n}.yaml`] = null;
  f.remote.commit(gone);
  // site.yaml says nothing: its default of 5 holds, whatever the host config allows
  const loose = await f.pass();
  assert.is(loose.reason, 'GuardRefused', loose.message);
  assert.match(loose.message, /guards\.maxDeletions is 5/);
  // the host lowers the site's 10 to 2
  const site = readFileSync(join(f.remote.work, 'extensions/site.yaml'), 'utf8');
  f.remote.commit({ 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 10 }\n` });
  f.config.guards = { maxDeletions: 2 };
  const tight = await f.pass();
  assert.is(tight.reason, 'GuardRefused', tight.message);
  assert.match(tight.message, /guards\.maxDeletions is 2/);
  assert.equal(f.live(), live);
  f.config.guards = {};
  const ok = await f.pass();
  assert.is(ok.result, 'applied', ok.message);
});
