// `inspect` against the fake Asterisk: one real checkout (a pass ran first), the live file edited by
// hand and reloaded to make each kind of problem, the fake's contacts standing in for registrations.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { InspectReport } from '../reconciler/inspect.ts';
import type { InspectRow } from '../reconciler/inspect-model.ts';
import { runCliInProcess } from './helpers/cli.ts';
import { passFixture, shippedFiles, type PassFixture } from './helpers/pass-fixture.ts';

let fx: PassFixture;
let configFile: string;
let verified: string;

test.before(async () => {
  fx = await passFixture();
  const r = await fx.pass();
  assert.is(r.result, 'applied', r.message);
  verified = fx.live()!.toString();
  configFile = fx.writeConfigFile();
});
test.after(() => fx?.cleanup());

/** the live file as Asterisk loaded it by hand (not through a pass) */
function handEdit(text: string): void {
  writeFileSync(fx.liveFile, text);
  execFileSync(fx.fake.bin, ['-rx', 'module reload res_pjsip.so']);
}
function restore(): void {
  fx.fake.setMode({ contacts: [], dropSections: [], transports: undefined });
  fx.fake.restart();
  handEdit(verified);
}
/** appends lines to the section `[n](…)` of the verified file */
const withLines = (n: string, lines: string) => verified.replace(new RegExp(`^(\\[${n}\\]\\(.*\\)\\n)`, 'm'), `$1${lines}\n`);

async function inspectJson(...args: string[]): Promise<{ code: number; report: InspectReport; row: (n: string) => InspectRow | undefined; stderr: string }> {
  const r = await runCliInProcess(['inspect', '--config', configFile, '--format', 'json', ...args]);
  const report = (r.stdout ? JSON.parse(r.stdout) : undefined) as InspectReport;
  return { code: r.code, report, row: (n) => report?.extensions.find((e) => e.number === n), stderr: r.stderr };
}
const codes = (row: InspectRow | undefined) => (row?.problems ?? []).map((p) => p.code).sort();

test('every shipped extension in Git and loaded; registered contacts with address, status, RTT and user agent', async () => {
  fx.fake.setMode({ contacts: [
    { aor: '6010', uri: 'sip:6010@192.0.2.10:5062', userAgent: 'Zoiper rv2.10' },
    { aor: '6011', uri: 'sip:6011@192.0.2.11:5060;ob', status: 'Avail', rttMs: 1.25, userAgent: 'PhonerLite 3.2' },
  ] });
  try {
    const { code, report, row } = await inspectJson();
    assert.is(code, 1, 'unregistered phones are problems');
    assert.is(report.extensions.length, 24);
    assert.is(report.git.commit, fx.remote.head());
    for (const r of report.extensions) {
      assert.ok(r.inGit && r.loaded && r.aor && r.auth === true, `${r.number}: ${JSON.stringify(r)}`);
      assert.is(r.transport.asterisk, r.transport.git);
    }
    assert.equal(row('6010')!.contacts, [{ uri: 'sip:6010@192.0.2.10:5062', address: '192.0.2.10:5062', status: 'NonQual', rttMs: null, userAgent: 'Zoiper rv2.10' }]);
    assert.equal(row('6011')!.contacts[0], { uri: 'sip:6011@192.0.2.11:5060;ob', address: '192.0.2.11:5060', status: 'Avail', rttMs: 1.25, userAgent: 'PhonerLite 3.2' });
    assert.equal(codes(row('6010')), []);
    assert.equal(codes(row('6012')), ['NotRegistered']);
    assert.equal(report.transports.map((t) => [t.name, t.protocol, t.asterisk?.protocol, t.problems.length]),
      [['transport-udp', 'udp', 'udp', 0], ['transport-ws', 'ws', 'ws', 0]]);
    const ok = await inspectJson('--extension', '6010');
    assert.is(ok.code, 0, JSON.stringify(ok.report.extensions));
    assert.equal(ok.row('6010')!.optionDiffs, [], 'compared closely: Asterisk has what Git says');
  } finally {
    restore();
  }
});

test('the answers only come from `pjsip show` listings; never `pjsip show auth <id>` (it prints passwords), no password in the output', async () => {
  const before = (await fx.fake.commands()).length;
  const reloads = await fx.fake.reloadCount();
  const text = await runCliInProcess(['inspect', '--config', configFile, '--extension', '6010']);
  const json = await runCliInProcess(['inspect', '--config', configFile]);
  const sent = (await fx.fake.commands()).slice(before);
  assert.ok(sent.length > 0);
  for (const c of sent) assert.match(c, /^pjsip show (endpoints|endpoint \S+|aors|auths|aor \S+|contacts|contact \S+|transports)$/, c);
  assert.not.ok(`${text.stdout}${json.stdout}${text.stderr}${json.stderr}`.includes('Maja1234'));
  assert.is(await fx.fake.reloadCount(), reloads, 'inspect reloads nothing');
});

test('a wizard section Git does not have is NotInGit; the answer for a number neither side has too', async () => {
  const section6023 = /^\[6023\][^[]*/m.exec(verified)![0];
  handEdit(`${verified}\n${section6023.replaceAll('6023', '7001')}`);
  try {
    const { code, row } = await inspectJson();
    assert.is(code, 1);
    assert.equal(codes(row('7001')), ['NotInGit']);
    assert.is(row('7001')!.loaded, true);
    assert.is(row('7001')!.source, 'wizard');
    const nowhere = await inspectJson('--extension', '6099');
    assert.is(nowhere.code, 1);
    assert.equal(nowhere.report.extensions.map((r) => [r.number, r.inGit, r.loaded, codes(r)]), [['6099', false, false, ['NotInGit']]]);
  } finally {
    restore();
  }
});

test('an endpoint Asterisk refused is NotLoaded; --problems shows only rows with problems', async () => {
  fx.fake.setMode({ dropSections: ['6012'], contacts: ['6010', '6011', '6013'].map((n) => ({ aor: n, uri: `sip:${n}@192.0.2.1:5060` })) });
  fx.fake.restart();
  handEdit(verified);
  try {
    const { code, report, row } = await inspectJson('--problems');
    assert.is(code, 1);
    assert.ok(codes(row('6012')).includes('NotLoaded'), JSON.stringify(row('6012')));
    assert.is(row('6012')!.inGit, true);
    assert.not.ok(row('6010'), 'a registered, loaded extension has no problem');
    assert.ok(report.extensions.every((r) => r.problems.length > 0));
  } finally {
    restore();
  }
});

test('loaded without its aor (a bad aor value) or its auth: AorMissing, AuthMissing', async () => {
  fx.fake.restart(); // a fresh load: an aor that fails on a reload would keep its old object
  handEdit(withLines('6013', 'aor/max_contacts = abc').replace(/^(\[6014\]\(.*\)\n)/m, '$1accepts_auth = no\n'));
  try {
    const { row } = await inspectJson();
    assert.equal(codes(row('6013')), ['AorMissing']);
    assert.is(row('6013')!.loaded, true);
    assert.is(row('6013')!.aor, false);
    assert.ok(codes(row('6014')).includes('AuthMissing'), JSON.stringify(row('6014')));
    assert.is(row('6014')!.auth, false);
  } finally {
    restore();
  }
});

test('an endpoint on another transport than Git says: WrongTransport; an option changed by hand: OptionsDiffer, with both values', async () => {
  handEdit(withLines('6015', 'transport = transport-ws').replace(/^(\[6016\]\(.*\)\n)/m, '$1endpoint/context = elsewhere\n'));
  try {
    const { row } = await inspectJson();
    assert.ok(codes(row('6015')).includes('WrongTransport'));
    assert.equal(row('6015')!.transport, { git: 'transport-udp', asterisk: 'transport-ws' });
    const close = await inspectJson('--extension', '6016');
    assert.is(close.code, 1);
    assert.equal(close.row('6016')!.optionDiffs, [{ option: 'endpoint/context', git: 'internal', asterisk: 'elsewhere' }]);
    assert.ok(codes(close.row('6016')).includes('OptionsDiffer'));
  } finally {
    restore();
  }
});

test('transports: missing in Asterisk (TransportMissing), another protocol than site.yaml (TransportProtocol)', async () => {
  fx.fake.setMode({ transports: [{ name: 'transport-udp', protocol: 'tcp' }] });
  try {
    const { code, report, row } = await inspectJson();
    assert.is(code, 1);
    assert.equal(report.transports.map((t) => [t.name, t.problems.map((p) => p.code)]),
      [['transport-udp', ['TransportProtocol']], ['transport-ws', ['TransportMissing']]]);
    assert.ok(codes(row('6001')).includes('TransportMissing'));
    assert.ok(codes(row('6010')).includes('TransportProtocol'));
  } finally {
    restore();
  }
});

test('a contact that does not answer qualify: ContactUnreachable', async () => {
  fx.fake.setMode({ contacts: [{ aor: '6017', uri: 'sip:6017@192.0.2.17:5060', status: 'Unavail' }] });
  try {
    const { row } = await inspectJson('--extension', '6017');
    assert.equal(codes(row('6017')), ['ContactUnreachable']);
    assert.is(row('6017')!.contacts[0]!.status, 'Unavail');
  } finally {
    restore();
  }
});

test('exit codes: 3 when Asterisk cannot be reached, 2 for usage and for no checkout, text output names the problems', async () => {
  fx.fake.setMode({ down: true });
  try {
    const down = await runCliInProcess(['inspect', '--config', configFile]);
    assert.is(down.code, 3);
    assert.is(down.stdout, '');
  } finally {
    fx.fake.setMode({ down: false });
  }
  assert.is((await runCliInProcess(['inspect'])).code, 2);
  assert.is((await runCliInProcess(['inspect', '--config', configFile, '--format', 'xml'])).code, 2);
  const text = await runCliInProcess(['inspect', '--config', configFile, '--extension', '6012']);
  assert.is(text.code, 1);
  assert.match(text.stdout, /^6012\s+Softphone 3\s+softphone\s+yes\s+yes\s+yes\s+yes\s+transport-udp\s+0\s+NotRegistered$/m);
});

test('a commit that does not compile: GitDoesNotCompile counted, rows from Asterisk kept', async () => {
  fx.remote.commit({ 'extensions/6020.yaml': 'extension: [\n' }, 'broken');
  const r = await fx.pass();
  assert.is(r.reason, 'CompileFailed');
  try {
    const { code, report } = await inspectJson();
    assert.is(code, 1);
    assert.ok(report.git.error);
    assert.is(report.git.commit, fx.remote.head());
    assert.is(report.extensions.length, 24, 'the endpoints Asterisk has');
  } finally {
    fx.remote.commit({ 'extensions/6020.yaml': shippedFiles()['extensions/6020.yaml']! }, 'fixed');
    await fx.pass();
  }
});

test('read-only unless --fetch: a new commit is seen only with --fetch, and the checkout stays where it was', async () => {
  const before = fx.remote.head();
  fx.remote.commit({ 'extensions/7002.yaml': '# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: 7002\nname: Lab\nauth: { password: Maja1234 }\n' }, 'add 7002');
  const stale = await inspectJson();
  assert.is(stale.report.git.commit, before);
  assert.not.ok(stale.row('7002'));
  const fetched = await inspectJson('--fetch');
  assert.is(fetched.report.git.commit, fx.remote.head());
  assert.equal(codes(fetched.row('7002')), ['NotLoaded']);
  const again = await inspectJson();
  assert.is(again.report.git.commit, before, 'the work tree was not reset: HEAD is the pass\'s commit');
});

test('no checkout yet: exit 2 and says to run a pass first', async () => {
  const fresh = join(fx.root, 'fresh.yaml');
  writeFileSync(fresh, `source: { repo: ${JSON.stringify(fx.remote.bare)} }\ntarget: { kind: local, liveFile: ${JSON.stringify(fx.liveFile)} }\n` +
    `asterisk: { cli: ${JSON.stringify([fx.fake.bin, '-rx'])} }\nstateDir: ${JSON.stringify(`${fx.root}/fresh-state`)}\n`);
  const r = await runCliInProcess(['inspect', '--config', fresh]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /apply/);
});

test.run();
