// `inspect` against a real Asterisk 22.10.1 after real passes: a phone SIPp registers shows up with
// its address and user agent, and an extension Asterisk refused while Git has it is marked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect, type InspectReport } from '../../reconciler/inspect.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { realPass, type RealPass } from '../helpers/real-pass.js';
import { findSipp, runSipp, sippReport } from '../helpers/sipp.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let rp: RealPass;
let shipped: Shipped;
let work: string;
const a = () => ast!;
const target = new LocalTarget({ killGraceMs: 500 });

test.before(async () => {
  if (!findSipp()) throw new Error('sipp is not installed (Debian package sip-tester)');
  shipped = await compileShipped();
  work = mkdtempSync(join(tmpdir(), 'real-inspect-'));
  ast = await startAsterisk();
  rp = await realPass(ast);
});
test.after(async () => {
  await ast?.stop();
  rp?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function report(opts: Parameters<typeof inspect>[2] = {}): Promise<InspectReport> {
  const r = await inspect(rp.config, target, opts);
  if (!r.ok) throw new Error(`inspect: ${r.failure}: ${r.message}`);
  return r.report;
}
const codes = (rep: InspectReport, n: string) => (rep.extensions.find((e) => e.number === n)?.problems ?? []).map((p) => p.code).sort();

test('after the first pass: 24 rows, each in Git and loaded with its aor and auth, on the transport Git says; the transports match site.yaml', withLog(a, async () => {
  const r = await rp.pass();
  assert.is(r.result, 'applied', r.message);
  const rep = await report();
  assert.is(rep.extensions.length, 24);
  for (const row of rep.extensions) {
    assert.ok(row.inGit && row.loaded && row.aor && row.auth === true, JSON.stringify(row));
    assert.is(row.transport.asterisk, row.transport.git, row.number);
    assert.equal(row.problems.map((p) => p.code), ['NotRegistered'], row.number);
  }
  assert.ok(rep.transports.every((t) => t.problems.length === 0), JSON.stringify(rep.transports));
  const close = await report({ extension: '6001' });
  assert.equal(close.extensions[0]!.optionDiffs, [], 'Asterisk\'s effective options are what Git says (yes/true, codec lists normalised)');
}));

test('SIPp registers 6010: inspect shows its contact with the address and user agent, and no problem', withLog(a, async () => {
  const pw = shipped.password('6010');
  const reg = await runSipp({ scenario: 'register.xml', service: '6010', auth: { user: '6010', password: pw }, cwd: work, remotePort: a().udpPort });
  assert.is(reg.code, 0, sippReport(reg, pw));
  const rep = await report({ extension: '6010' });
  const row = rep.extensions[0]!;
  assert.equal(row.problems, []);
  assert.is(row.contacts.length, 1);
  assert.is(row.contacts[0]!.address, `127.0.0.1:${reg.port}`);
  assert.is(row.contacts[0]!.userAgent, 'pjsip-gitops-test');
  assert.is(row.contacts[0]!.status, 'NonQual');
  assert.is(row.contacts[0]!.rttMs, null, 'qualify is off: no RTT');
  assert.not.ok(JSON.stringify(rep).includes(pw), 'no password in the report');
}));

test('a commit Asterisk half-loads (an aor value out of range): rolled back, and inspect marks 7000 as in Git, not loaded', withLog(a, async () => {
  rp.remote.commit({ 'extensions/7000.yaml': '# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: 7000\nname: Lab Bench\n' +
    'template: custom\nauth: { password: Maja1234 }\noptions:\n  aor/qualify_timeout: "1e400"\n' }, 'add 7000 with an out-of-range qualify_timeout');
  const r = await rp.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  const problems = await report({ problemsOnly: true });
  const row = problems.extensions.find((e) => e.number === '7000');
  assert.ok(row, JSON.stringify(problems.extensions.map((e) => e.number)));
  assert.is(row!.inGit, true);
  assert.is(row!.loaded, false);
  assert.ok(codes(problems, '7000').includes('NotLoaded'));
  assert.is(problems.git.commit, rp.remote.head(), 'Git is the commit the pass checked out');
}));

test.run();
