// Real SIP clients register against the shipped extensions on a real Asterisk: SIPp over UDP as a
// softphone, and a WebSocket SIP client as a browser turret. The right password registers; a wrong
// one is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parameterRows, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { findSipp, runSipp, sippReport } from '../helpers/sipp.js';
import { wsRegister } from '../helpers/ws-sip.js';
import { compileShipped, numbersWhere, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let shipped: Shipped;
let work: string;
const a = () => ast!;

test.before(async () => {
  if (!findSipp()) throw new Error('sipp is not installed (Debian package sip-tester)');
  shipped = await compileShipped();
  work = mkdtempSync(join(tmpdir(), 'real-register-'));
  ast = await startAsterisk();
  await ast.applyWizard(shipped.conf);
});
test.after(async () => {
  await ast?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The contacts `pjsip show aor <n>` lists. */
async function contacts(n: string): Promise<string[]> {
  return [...(await a().cli(`pjsip show aor ${n}`)).matchAll(/^\s*Contact:\s+(\S+)/gm)].map((m) => m[1]!).filter((c) => !c.startsWith('<'));
}

const softphone = () => numbersWhere(shipped.model, 'endpoint/webrtc', 'no').find((n) => n === '6010')!;
const turret = () => numbersWhere(shipped.model, 'endpoint/webrtc', 'yes').find((n) => n === '6001')!;

test('SIPp registers softphone 6010 over UDP with its password (401 challenge, then 200)', withLog(a, async () => {
  const n = softphone();
  assert.is(n, '6010', 'site.yaml puts 6010 on the softphone template');
  const pw = shipped.password(n);
  const r = await runSipp({ scenario: 'register.xml', service: n, auth: { user: n, password: pw }, cwd: work, remotePort: a().udpPort });
  assert.is(r.code, 0, sippReport(r, pw));
  assert.ok((await contacts(n)).some((c) => c.startsWith(`${n}/sip:${n}@127.0.0.1:${r.port}`)), `contact of ${n} after REGISTER: ${(await contacts(n)).join(', ')}`);
}));

test('SIPp with a wrong password is refused for 6010 and adds no contact', withLog(a, async () => {
  const before = await contacts('6010');
  const wrong = `${shipped.password('6010')}-wrong`;
  const r = await runSipp({ scenario: 'register-refused.xml', service: '6010', auth: { user: '6010', password: wrong }, cwd: work, remotePort: a().udpPort });
  assert.is(r.code, 0, sippReport(r, wrong));
  assert.equal(await contacts('6010'), before);
}));

test('a WebSocket SIP client registers turret 6001 with its password (401, then 200)', withLog(a, async () => {
  const n = turret();
  assert.is(n, '6001', 'site.yaml puts 6001 on the webrtc template');
  let whileOpen: string[] = [];
  let contactRow = '';
  const r = await wsRegister(a().wsUrl, n, shipped.password(n), async () => {
    whileOpen = await contacts(n);
    contactRow = parameterRows(await a().cli(`pjsip show aor ${n}`)).get('contact') ?? '';
  });
  assert.equal(r, { challenge: 401, final: 200 });
  assert.is(whileOpen.length, 1, `contacts of ${n} while connected: ${whileOpen.join(', ')}`);
  // Asterisk replaces the browser's made-up `.invalid` host by the connection's address, keeping the original
  assert.match(contactRow, new RegExp(`^sip:${n}@127\\.0\\.0\\.1:\\d+;transport=ws;x-ast-orig-host=[0-9a-f]+\\.invalid:0$`));
  // Asterisk forgets a WebSocket contact once its connection is gone (bounded wait: it is asynchronous)
  for (let i = 0; i < 100 && (await contacts(n)).length > 0; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(await contacts(n), [], 'the contact outlived its WebSocket');
}));

test('the WebSocket client with a wrong password is refused (401 or 403)', withLog(a, async () => {
  const r = await wsRegister(a().wsUrl, '6002', `${shipped.password('6002')}-wrong`);
  assert.is(r.challenge, 401);
  assert.ok(r.final === 401 || r.final === 403, `final answer ${r.final}`);
  assert.equal(await contacts('6002'), []);
}));

test('a password is per extension, and a number not in extensions/ cannot register', withLog(a, async () => {
  assert.equal(await wsRegister(a().wsUrl, '6003', shipped.password('6003')), { challenge: 401, final: 200 }, 'control: 6003 with its own password');
  const crossed = await wsRegister(a().wsUrl, '6004', shipped.password('6003') === shipped.password('6004') ? 'Other-Pass-4' : shipped.password('6003'));
  assert.ok(crossed.final === 401 || crossed.final === 403, `6004 with another password: ${crossed.final}`);
  assert.not.ok(shipped.model.extensions.some((e) => e.number === '6099'));
  const unknown = await wsRegister(a().wsUrl, '6099', shipped.password('6003'));
  assert.ok(unknown.final === 401 || unknown.final === 403, `6099 (no such extension): ${unknown.final}`);
}));

test.run();
