// Reconcile passes (runPass, the loop's and `apply`'s pass) against a real Asterisk 22.10.1: a real
// bare git remote, the live file being the pjsip_wizard.conf Asterisk reads, reload and verify through
// its CLI. The cases run in order on one Asterisk and one state directory, as on a PBX host: first
// apply, nothing to do, a commit Asterisk half-loads, a hand edit, a commit during a call, Asterisk down.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readStatus } from '../../reconciler/state.js';
import { endpointIds, parameterRows, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { channels, loggedReloads, realPass, stopKeepingFiles, waitFor, type RealPass } from '../helpers/real-pass.js';
import { findSipp, freePortForSipp, runSipp, sippReport, startSipp } from '../helpers/sipp.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let rp: RealPass;
let shipped: Shipped;
let work: string;
const a = () => ast!;
const SHIPPED_NUMBERS = () => shipped.model.extensions.map((e) => e.number).sort();

test.before(async () => {
  if (!findSipp()) throw new Error('sipp is not installed (Debian package sip-tester)');
  shipped = await compileShipped();
  work = mkdtempSync(join(tmpdir(), 'real-reconcile-'));
  ast = await startAsterisk();
  rp = await realPass(ast);
});
test.after(async () => {
  await ast?.stop();
  rp?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function loadedIds(): Promise<string[]> {
  return endpointIds(await a().cli('pjsip show endpoints')).sort();
}
async function callerid(id: string): Promise<string | undefined> {
  return parameterRows(await a().cli(`pjsip show endpoint ${id}`)).get('callerid');
}
const ext = (n: string, name: string, more = '') =>
  `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: ${name}\nauth: { password: Maja1234 }\n${more}`;

let verifiedBytes: Buffer;

test('first pass: writes the live file, reloads once and verifies the 24 shipped endpoints', withLog(a, async () => {
  assert.equal(await loadedIds(), [], 'a fresh Asterisk has no endpoint');
  const reloadsBefore = loggedReloads(a());
  const r = await rp.pass();
  assert.is(r.result, 'applied', r.message);
  assert.is(r.condition, 'Ready');
  assert.is(r.reason, 'Applied');
  assert.is(r.reloadCount, 1);
  assert.match(r.message, /verified 24 endpoints/);
  assert.equal(await loadedIds(), SHIPPED_NUMBERS());
  assert.is(SHIPPED_NUMBERS().length, 24);
  assert.is(await callerid('6001'), '"Turret Desk 2" <6001>');
  assert.is(loggedReloads(a()) - reloadsBefore, 1, 'Asterisk logged one reload of res_pjsip');
  verifiedBytes = rp.live()!;
  assert.match(verifiedBytes.toString(), /^\[6023\]/m);
  const status = await readStatus(rp.stateDir);
  assert.is(status.condition.type, 'Ready');
  assert.is(status.lastApplied?.commit, rp.remote.head());
}));

test('second pass with nothing new: Unchanged, no reload reaches Asterisk, the file untouched', withLog(a, async () => {
  const reloadsBefore = loggedReloads(a());
  const r = await rp.pass();
  assert.is(r.result, 'unchanged', r.message);
  assert.is(r.condition, 'Ready');
  assert.is(r.reloadCount, 0);
  assert.is(loggedReloads(a()), reloadsBefore, 'no `module reload` reached Asterisk');
  assert.equal(rp.live(), verifiedBytes);
  assert.equal(await loadedIds(), SHIPPED_NUMBERS());
}));

test('a commit the compiler accepts and Asterisk half-loads (an aor value out of range: the endpoint loads, its aor does not): VerifyFailed, rolled back to the verified bytes', withLog(a, async () => {
  // a DTLS file the host lacks is now refused before the write (test/real/verify.test.ts)
  const bad = rp.remote.commit({
    'extensions/7000.yaml': ext('7000', 'Lab Bench', 'template: custom\noptions:\n  aor/qualify_timeout: "1e400"\n'),
  }, 'add 7000 with an out-of-range qualify_timeout');
  const reloadsBefore = loggedReloads(a());
  const logMark = a().logText().length;
  const r = await rp.pass();
  assert.is(r.result, 'failed', r.message);
  assert.is(r.condition, 'Failed');
  assert.is(r.reason, 'VerifyFailed');
  assert.match(r.message, /7000: aor 7000 missing/);
  assert.match(r.message, /restored/);
  assert.is(r.reloadCount, 2, 'the reload of the new file, then of the restored one');
  assert.is(loggedReloads(a()) - reloadsBefore, 2);
  // Asterisk said why, and still answered `reloaded successfully` (which is why the pass verifies)
  const logged = a().logText().slice(logMark);
  assert.match(logged, /Error parsing qualify_timeout=1e400/);
  assert.match(logged, /Unable to apply object type 'aor' with id '7000'/);
  assert.equal(rp.live(), verifiedBytes, 'the live file is the last verified one, byte for byte');
  assert.equal(await loadedIds(), SHIPPED_NUMBERS(), 'Asterisk has the 24 endpoints again, and no 7000');
  assert.match(await a().cli('pjsip show endpoint 7000'), /Unable to find object 7000\./, 'the endpoint 7000 made meanwhile is gone again');
  const status = await readStatus(rp.stateDir);
  assert.is.not(status.lastApplied?.commit, bad, 'the failed commit is not recorded as applied');

  // the fix: 7000 dropped again; the file Asterisk has is already that content
  rp.remote.commit({ 'extensions/7000.yaml': null }, 'drop 7000 again');
  const fixed = await rp.pass();
  assert.is(fixed.condition, 'Ready', fixed.message);
  assert.is(fixed.result, 'unchanged', fixed.message);
  assert.is(fixed.reloadCount, 0);
  assert.equal(rp.live(), verifiedBytes);
}));

test('a hand edit of the live file, reloaded by hand: drift corrected, Asterisk has the git content again', withLog(a, async () => {
  const edited = verifiedBytes.toString().replace('"Turret Desk 2" <6001>', '"Edited By Hand" <6001>');
  assert.is.not(edited, verifiedBytes.toString());
  writeFileSync(a().wizardFile, edited);
  await a().reload();
  assert.is(await callerid('6001'), '"Edited By Hand" <6001>', 'the hand edit reached Asterisk');
  const r = await rp.pass();
  assert.is(r.result, 'drift-corrected', r.message);
  assert.is(r.reason, 'DriftCorrected');
  assert.is(r.condition, 'Ready');
  assert.is(r.reloadCount, 1);
  assert.equal(rp.live(), verifiedBytes);
  assert.is(await callerid('6001'), '"Turret Desk 2" <6001>');
  assert.equal(await loadedIds(), SHIPPED_NUMBERS());
  const drift = rp.logLines.map((l) => JSON.parse(l) as { event?: string; diff?: string }).filter((e) => e.event === 'drift.detected');
  assert.is(drift.length, 1);
  assert.match(String(drift[0]!.diff), /^-endpoint\/callerid = "Edited By Hand" <6001>$/m);
  assert.not.ok(rp.logLines.join('').includes('Maja1234'), 'no password in the log');
}));

test('a commit that adds, renames and removes extensions while 6010 talks to 6011: applied and verified, the call survives the reload', withLog(a, async () => {
  const caller = '6010';
  const callee = '6011';
  const pwCaller = shipped.password(caller);
  const pwCallee = shipped.password(callee);
  const calleePort = await freePortForSipp();
  const reg = await runSipp({ scenario: 'register.xml', service: callee, auth: { user: callee, password: pwCallee }, port: calleePort, cwd: work, remotePort: a().udpPort });
  assert.is(reg.code, 0, sippReport(reg, pwCallee));

  const uas = await startSipp({ scenario: 'uas-answer.xml', service: callee, port: calleePort, cwd: work, server: true, timeoutS: 60 });
  const uac = await startSipp({
    scenario: 'uac-call.xml', service: callee, auth: { user: caller, password: pwCaller }, keys: { caller },
    cwd: work, remotePort: a().udpPort, timeoutS: 60,
  });
  let running = 2;
  const uasDone = uas.done.finally(() => running--);
  const uacDone = uac.done.finally(() => running--);
  const alive = () => running === 2;

  let failure: unknown;
  try {
    await waitFor(() => existsSync(join(work, 'marker-uac-up')) && existsSync(join(work, 'marker-uas-up')), alive, 'both phones report the call up');
    const up = await channels(a());
    assert.is(up.filter((c) => c.state === 'Up').length, 2, `channels: ${up.map((c) => `${c.name} ${c.state}`).join(', ')}`);

    const reloadsBefore = loggedReloads(a());
    rp.remote.commit({
      'extensions/6010.yaml': ext('6010', 'Softphone One Renamed'),
      'extensions/6022.yaml': null,
      'extensions/6023.yaml': null,
      'extensions/7001.yaml': ext('7001', 'Lab Phone', 'template: softphone\n'),
    }, 'rename 6010, remove 6022 and 6023, add 7001');
    const r = await rp.pass();
    assert.is(r.result, 'applied', r.message);
    assert.is(r.condition, 'Ready');
    assert.is(r.reloadCount, 1);
    assert.is(loggedReloads(a()) - reloadsBefore, 1);
    assert.equal(r.changes?.added, ['7001']);
    assert.equal(r.changes?.removed, ['6022', '6023']);
    assert.ok(r.changes?.changed.includes('6010'), `changed: ${r.changes?.changed.join(', ')}`);
    const expected = [...SHIPPED_NUMBERS().filter((n) => n !== '6022' && n !== '6023'), '7001'].sort();
    assert.equal(await loadedIds(), expected);
    assert.is(await callerid('6010'), '"Softphone One Renamed" <6010>');
    assert.is(await callerid('7001'), '"Lab Phone" <7001>');

    // after the reload both legs are still up, and still the same channels
    const after = await channels(a());
    assert.equal(after.map((c) => `${c.name} ${c.state}`).sort(), up.map((c) => `${c.name} ${c.state}`).sort());
    assert.ok(alive(), 'both phones are still in the call');
    const callerCh = after.find((c) => c.name.startsWith(`PJSIP/${caller}-`));
    assert.ok(callerCh, `caller channel among ${after.map((c) => c.name).join(', ')}`);
    assert.match(await a().cli(`pjsip send notify test-hangup channel ${callerCh!.name}`), /Sending NOTIFY of type 'test-hangup'/);
  } catch (err) {
    failure = err;
    uac.child.kill('SIGKILL');
    uas.child.kill('SIGKILL');
  }
  const [rc, rs] = await Promise.all([uacDone, uasDone]);
  if (failure instanceof Error) failure.message += `\ncaller: ${sippReport(rc, pwCaller)}\ncallee: ${sippReport(rs)}`;
  if (failure) throw failure;
  assert.is(rc.code, 0, `caller: ${sippReport(rc, pwCaller)}`);
  assert.is(rs.code, 0, `callee: ${sippReport(rs)}`);
  await waitFor(async () => (await channels(a())).length === 0, () => true, 'no channel left after the hangup');
  verifiedBytes = rp.live()!;
}));

test('Asterisk stopped: the pass is transient (AsteriskUnreachable) and the live file is left byte for byte', withLog(a, async () => {
  rp.remote.commit({ 'extensions/6012.yaml': ext('6012', 'Softphone Three Renamed') }, 'rename 6012');
  await stopKeepingFiles(a());
  const before = rp.live();
  assert.equal(before, verifiedBytes);
  const r = await rp.pass();
  assert.is(r.result, 'transient', r.message);
  assert.is(r.transient, true);
  assert.is(r.condition, 'Failed');
  assert.is(r.reason, 'AsteriskUnreachable');
  assert.match(r.message, /Unable to connect to remote asterisk/);
  assert.is(r.reloadCount, 0);
  assert.equal(rp.live(), before, 'the live file is untouched');
  const status = await readStatus(rp.stateDir);
  assert.is(status.condition.reason, 'AsteriskUnreachable');
}));

test.run();
