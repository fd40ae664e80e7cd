// A softphone-to-softphone call through the compiled extensions and the runbook dialplan on a real
// Asterisk: 6011 registers and answers (SIPp UAS), 6010 calls 6011 with digest auth (SIPp UAC).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { findSipp, freePortForSipp, runSipp, sippReport, startSipp } from '../helpers/sipp.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let shipped: Shipped;
let work: string;
const a = () => ast!;

test.before(async () => {
  if (!findSipp()) throw new Error('sipp is not installed (Debian package sip-tester)');
  shipped = await compileShipped();
  work = mkdtempSync(join(tmpdir(), 'real-call-'));
  ast = await startAsterisk();
  await ast.applyWizard(shipped.conf);
});
test.after(async () => {
  await ast?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Channel { name: string; context: string; exten: string; state: string; app: string }

/** `core show channels concise`: one `!`-separated line per channel. */
async function channels(): Promise<Channel[]> {
  const out = await a().cli('core show channels concise');
  return out.split('\n').filter((l) => l.includes('!')).map((l) => {
    const f = l.split('!');
    return { name: f[0]!, context: f[1]!, exten: f[2]!, state: f[4]!, app: f[5]! };
  });
}

/** Polls until `ok` holds, while `alive` says the clients are still running (bounded by them). */
async function waitFor(ok: () => boolean | Promise<boolean>, alive: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await ok()) return;
    if (!alive()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await ok())) throw new Error(`never happened: ${what}`);
}

test('6010 calls 6011 through context internal: answered, bridged, hung up by the caller', withLog(a, async () => {
  const caller = '6010';
  const callee = '6011';
  const pwCaller = shipped.password(caller);
  const pwCallee = shipped.password(callee);
  for (const n of [caller, callee]) {
    assert.is(shipped.model.extensions.find((e) => e.number === n)?.options['endpoint/context'], 'internal', `${n} dials from context internal`);
  }

  // 6011 registers from the port its answering SIPp will then listen on
  const calleePort = await freePortForSipp();
  const reg = await runSipp({ scenario: 'register.xml', service: callee, auth: { user: callee, password: pwCallee }, port: calleePort, cwd: work, remotePort: a().udpPort });
  assert.is(reg.code, 0, sippReport(reg, pwCallee));

  const uas = await startSipp({ scenario: 'uas-answer.xml', service: callee, port: calleePort, cwd: work, server: true, timeoutS: 30 });
  const uac = await startSipp({
    scenario: 'uac-call.xml', service: callee, auth: { user: caller, password: pwCaller }, keys: { caller },
    cwd: work, remotePort: a().udpPort, timeoutS: 30,
  });
  let running = 2;
  const uasDone = uas.done.finally(() => running--);
  const uacDone = uac.done.finally(() => running--);
  const alive = () => running === 2;

  let failure: unknown;
  try {
    // both phones answered the direct-media re-INVITE: the call is up end to end
    await waitFor(() => existsSync(join(work, 'marker-uac-up')) && existsSync(join(work, 'marker-uas-up')), alive, 'both phones report the call up');
    const up = await channels();
    const callerCh = up.find((c) => c.name.startsWith(`PJSIP/${caller}-`));
    const calleeCh = up.find((c) => c.name.startsWith(`PJSIP/${callee}-`));
    assert.ok(callerCh && calleeCh, `channels: ${up.map((c) => c.name).join(', ')}`);
    assert.is(callerCh!.state, 'Up');
    assert.is(calleeCh!.state, 'Up');
    assert.is(callerCh!.context, 'internal');
    assert.is(callerCh!.exten, callee);
    assert.is(callerCh!.app, 'Dial');
    assert.match(await a().cli('core show channels'), /^1 active call\b/m);

    // the caller hangs up, asked by an in-dialog NOTIFY (the harness's pjsip_notify.conf has test-hangup)
    const sent = await a().cli(`pjsip send notify test-hangup channel ${callerCh!.name}`);
    assert.match(sent, /Sending NOTIFY of type 'test-hangup'/);
  } catch (err) {
    failure = err; // stop the phones now rather than at their own timeout, then report both
    uac.child.kill('SIGKILL');
    uas.child.kill('SIGKILL');
  }
  const [rc, rs] = await Promise.all([uacDone, uasDone]);
  if (failure instanceof Error) failure.message += `\ncaller: ${sippReport(rc, pwCaller)}\ncallee: ${sippReport(rs)}`;
  if (failure) throw failure;
  assert.is(rc.code, 0, `caller: ${sippReport(rc, pwCaller)}`);
  assert.is(rs.code, 0, `callee: ${sippReport(rs)}`);
  // Asterisk tears its channels down after the BYEs were answered
  await waitFor(async () => (await channels()).length === 0, () => true, 'no channel left after the hangup');
  assert.match(await a().cli('core show channels'), /^0 active calls\b/m);
}));

test.run();
