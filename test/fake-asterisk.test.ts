// The fake Asterisk against asterisk/BEHAVIOR.md, row by row: real processes, real files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeAsterisk, type FakeAsterisk } from './helpers/fake-asterisk.js';

const fakes: FakeAsterisk[] = [];
test.after(() => { for (const f of fakes) f.cleanup(); });

function fake(opts = {}): FakeAsterisk & { conf: string; write(text: string): void } {
  const f = createFakeAsterisk(opts);
  fakes.push(f);
  const conf = f.mode().confPath!;
  return Object.assign(f, { conf, write: (text: string) => writeFileSync(conf, text) });
}

function run(argv: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

const rx = (f: FakeAsterisk, cmd: string) => run(f.argv(cmd));
const reload = (f: FakeAsterisk) => run(f.reloadArgv);

const TEMPLATE = `[phone](!)
type = wizard
accepts_auth = yes
accepts_registrations = yes
aor/max_contacts = 5
endpoint/context = internal
`;
const section = (id: string, extra = '') => `[${id}](phone)\ninbound_auth/username = ${id}\ninbound_auth/password = pw${id}\nendpoint/callerid = "Ext ${id}" <${id}>\n${extra}`;

// ---- Reload commands (BEHAVIOR: the table)
const TABLE: [string, string, number][] = [
  ['pjsip reload', "No such command 'pjsip reload' (type 'core show help pjsip reload' for other possible commands)\n", 0],
  ['module reload res_pjsip.so', "Module 'res_pjsip.so' reloaded successfully.\n", 0],
  ['module reload res_pjsip_config_wizard.so', "Module 'res_pjsip_config_wizard.so' reloaded successfully.\n", 0],
  ['module reload no_such_module.so', "No such module 'no_such_module.so'\n", 0],
];
for (const [cmd, out, code] of TABLE) {
  test(`'${cmd}' answers exactly as recorded, exit ${code}`, async () => {
    const f = fake();
    f.write(TEMPLATE + section('6000'));
    const r = await rx(f, cmd);
    assert.is(r.stdout, out);
    assert.is(r.stderr, '');
    assert.is(r.code, code);
  });
}

test('any command while Asterisk is down: stderr, exit 1', async () => {
  const f = fake({ down: true });
  for (const cmd of ['module reload res_pjsip.so', 'pjsip show endpoints']) {
    const r = await rx(f, cmd);
    assert.is(r.stdout, '');
    assert.is(r.stderr, 'Unable to connect to remote asterisk (does /var/run/asterisk/asterisk.ctl exist?)\n');
    assert.is(r.code, 1);
  }
});

test('booting and reload-in-progress replies, both exit 0, nothing applied', async () => {
  const f = fake({ booting: true });
  f.write(TEMPLATE + section('6000'));
  let r = await reload(f);
  assert.match(r.stdout, /request queued/);
  assert.is(r.code, 0);
  f.setMode({ booting: false, reloadInProgress: true });
  r = await reload(f);
  assert.match(r.stdout, /A module reload request is already in progress/);
  assert.is(r.code, 0);
  assert.equal((await f.loaded()).endpoints, []);
});

test('both reload commands pick up added, changed and removed sections', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + section('6001'));
  await rx(f, 'module reload res_pjsip_config_wizard.so');
  assert.equal((await f.loaded()).endpoints, ['6000', '6001']);
  f.write(TEMPLATE + section('6001', 'aor/max_contacts = 2\n') + section('6002'));
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, ['6001', '6002']);
  assert.equal(l.aors, ['6001', '6002']);
  assert.equal(l.auths, ['6001-iauth', '6002-iauth']);
  assert.is(l.maxContacts['6001'], '2');
});

// ---- A bad section does not fail the reload
test('a bad value or an unknown option drops that endpoint; the reply still says success', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6012') + section('6013', 'endpoint/media_encryption = maybe\n') +
    section('6014', 'endpoint/no_such_option = 1\n') + section('6015'));
  const r = await reload(f);
  assert.is(r.stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
  assert.is(r.code, 0);
  assert.equal((await f.loaded()).endpoints, ['6012', '6015']);
  const log = await f.log();
  assert.match(log, /Error parsing media_encryption=maybe/);
  assert.match(log, /Unable to apply object type 'endpoint' with id '6013'/);
  assert.match(log, /Unable to create objects for wizard '6013'/);
  assert.match(log, /Could not find option suitable for category '6014' named 'no_such_option'/);
});

test('a boolean with an unknown spelling silently becomes false; enums ignore case', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'endpoint/rtp_symmetric = maybe\nendpoint/force_rport = On\nendpoint/media_encryption = DTLS\n'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000']);
  const r = await rx(f, 'pjsip show endpoint 6000');
  // printed as the real one prints these booleans (test/real/conformance.test.ts)
  assert.match(r.stdout, /^ rtp_symmetric\s+: false$/m);
  assert.match(r.stdout, /^ force_rport\s+: true$/m);
});

test('(+) adds lines to an earlier section; without one the file is invalid', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + '[6000](+)\nendpoint/language = fr\n');
  await reload(f);
  assert.is((await f.loaded()).objects.endpoint!['6000']!.fields.language, 'fr');
  f.write(TEMPLATE + section('6000') + '[6001](+)\nendpoint/language = fr\n');
  await reload(f);
  assert.is((await f.loaded()).objects.endpoint!['6000']!.fields.language, 'fr', 'invalid file: nothing changed');
});

test('a non-numeric unsigned value (aor/max_contacts) fails that aor', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'aor/max_contacts = five\n') + section('6001'));
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.aors, ['6001']);
  assert.match(await f.log(), /Unable to apply object type 'aor' with id '6000'/);
});

test('an unknown codec fails the endpoint; known ones with ! and :ms pass', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'endpoint/allow = !all,ulaw:20,g722,opus\n') + section('6001', 'endpoint/allow = ulaw,nosuchcodec\n'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000']);
});

test('a good section turned bad: its old objects stay (default, as a real 22.10.1), or go (keepOldObjectOnFailure: false)', async () => {
  for (const keep of [undefined, false, true]) {
    const f = fake(keep === undefined ? {} : { keepOldObjectOnFailure: keep });
    f.write(TEMPLATE + section('6000'));
    await reload(f);
    f.write(TEMPLATE + section('6000', 'endpoint/media_encryption = maybe\n'));
    const r = await reload(f);
    assert.is(r.stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
    const l = await f.loaded();
    assert.equal(l.endpoints, keep === false ? [] : ['6000']);
    assert.equal(l.aors, ['6000'], 'the aor applied fine either way');
    if (keep !== false) assert.is(l.objects.endpoint!['6000']!.fields.media_encryption, undefined);
  }
});

test('a dtls_cert_file this host cannot read drops the endpoint, as rtp_engine.c refuses it', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'endpoint/dtls_cert_file = /nonexistent/pjsip-gitops/cert.pem\n') +
    section('6001', `endpoint/dtls_cert_file = ${f.conf}\n`));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6001']);
  assert.match(await f.log(), /rtp_engine\.c: dtlscertfile file \/nonexistent\/pjsip-gitops\/cert\.pem does not exist or is not readable/);
});

test('pjsip show aor|auth <id>, aors, auths, contacts', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000'));
  await reload(f);
  const aor = await rx(f, 'pjsip show aor 6000');
  assert.match(aor.stdout, /^ max_contacts\s+: \d+$/m);
  assert.match(aor.stdout, /^ qualify_timeout\s+: 3\.000000$/m);
  const auth = await rx(f, 'pjsip show auth 6000-iauth');
  assert.match(auth.stdout, /^ auth_type\s+: userpass$/m);
  assert.match(auth.stdout, /^\s+Auth:\s+6000-iauth\//m);
  assert.match((await rx(f, 'pjsip show aors')).stdout, /^Objects found: 1$/m);
  assert.match((await rx(f, 'pjsip show auths')).stdout, /^Objects found: 1$/m);
  assert.is((await rx(f, 'pjsip show contacts')).stdout.trim(), 'No objects found.');
  assert.is((await rx(f, 'pjsip show aor 6099')).stdout.trim(), 'Unable to find object 6099.');
});

test('sends_auth makes an outbound auth; without its username neither auth is made', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'sends_auth = yes\noutbound_auth/username = out\n') + section('6001', 'sends_auth = yes\n'));
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.auths, ['6000-iauth', '6000-oauth']);
  assert.is(l.objects.endpoint!['6000']!.fields.outbound_auth, '6000-oauth');
  assert.equal(l.endpoints, ['6000', '6001']);
});

// ---- Listing what is loaded
test('pjsip show endpoints: legend, one block per endpoint, Objects found', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + '[6001](phone)\ninbound_auth/username = u6001\n');
  await reload(f);
  const r = await rx(f, 'pjsip show endpoints');
  assert.is(r.code, 0);
  assert.match(r.stdout, /^\n Endpoint:  <Endpoint\/CID\.+>  <State\.+>  <Channels\.>\n/);
  assert.ok(r.stdout.includes(
    ' Endpoint:  6000/6000                                            Unavailable   0 of inf\n' +
    '     InAuth:  6000-iauth/6000\n' +
    '        Aor:  6000                                               5\n'));
  assert.ok(r.stdout.includes(' Endpoint:  6001                                                 Unavailable   0 of inf\n     InAuth:  6001-iauth/u6001\n'));
  assert.match(r.stdout, /\nObjects found: 2\n$/);
});

test('pjsip show endpoints with none: No objects found.', async () => {
  const f = fake();
  const r = await rx(f, 'pjsip show endpoints');
  assert.is(r.stdout, 'No objects found.\n');
  assert.is(r.code, 0);
});

test('pjsip show endpoint: @pjsip_wizard row, or Unable to find object with exit 0', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000', 'endpoint/webrtc = yes\n'));
  await reload(f);
  const r = await rx(f, 'pjsip show endpoint 6000');
  assert.match(r.stdout, /^ @pjsip_wizard\s+: 6000$/m);
  assert.match(r.stdout, /^ context\s+: internal$/m);
  // webrtc = yes turns on, among others, dtls, ice and avpf
  assert.match(r.stdout, /^ media_encryption\s+: dtls$/m);
  assert.match(r.stdout, /^ ice_support\s+: true$/m);
  assert.match(r.stdout, /^ use_avpf\s+: true$/m);
  const missing = await rx(f, 'pjsip show endpoint 6099');
  assert.is(missing.stdout.trim(), 'Unable to find object 6099.');
  assert.is(missing.code, 0);
});

// ---- What the wizard makes
test('templates: several, left to right, matched ignoring case; accepts_auth overrides endpoint/auth', async () => {
  const f = fake();
  f.write(`[tmpl-a](!)\ntype = wizard\naor/max_contacts = 1\nendpoint/context = a\n` +
    `[tmpl-b](!)\naor/max_contacts = 3\naccepts_auth = yes\naccepts_registrations = yes\n` +
    `[6000](TMPL-A,tmpl-b)\ninbound_auth/username = 6000\nendpoint/auth = required\n`);
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, ['6000']);
  assert.equal(l.aors, ['6000']);
  assert.equal(l.auths, ['6000-iauth']);
  assert.is(l.maxContacts['6000'], '3');
  assert.is(l.objects.endpoint!['6000']!.fields.auth, '6000-iauth');
  assert.is(l.objects.endpoint!['6000']!.fields.context, 'a');
  // templates are not wizards of their own
  assert.not.ok(l.endpoints.includes('tmpl-a'));
});

test('a section without type = wizard makes nothing; accepts_auth without a username fails the auth only', async () => {
  const f = fake();
  f.write('[7000]\nendpoint/context = x\n[7001]\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\n');
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, ['7001']);
  assert.equal(l.auths, []);
  assert.match(await f.log(), /must have 'inbound_auth\/username'/);
});

// ---- Values
test('comments, \\; escapes, literal # and ", += and =>', async () => {
  const f = fake();
  f.write(TEMPLATE + '[6000](phone) ; a comment\ninbound_auth/username = 6000\n' +
    'inbound_auth/password = ab\\;cd#ef "x"  ; trailing comment\n' +
    'endpoint/callerid => "Desk" <6000>\nendpoint/context = in\nendpoint/context += ternal\n');
  await reload(f);
  const l = await f.loaded();
  assert.is(l.objects.auth!['6000-iauth']!.fields.password, 'ab;cd#ef "x"');
  assert.is(l.callerids['6000'], '6000');
  assert.is(l.objects.endpoint!['6000']!.fields.context, 'internal');
});

test('a NUL cuts the rest of its line; ${...} stays literal; aor/max_contacts defaults to 0', async () => {
  const f = fake();
  f.write('[6000]\ntype = wizard\nendpoint/language = en\0; garbage\nendpoint/context = ${CTX}\n');
  await reload(f);
  const l = await f.loaded();
  assert.is(l.objects.endpoint!['6000']!.fields.language, 'en');
  assert.is(l.objects.endpoint!['6000']!.fields.context, '${CTX}');
  assert.is(l.maxContacts['6000'], '0');
  const shown = await rx(f, 'pjsip show endpoints');
  assert.match(shown.stdout, /^        Aor:  6000 +0$/m);
});

test('password_digest takes ALG:hex with MD5, SHA-256 or SHA-512-256; md5_cred and auth_type md5 load', async () => {
  const f = fake();
  f.write(TEMPLATE +
    section('6000', 'inbound_auth/password_digest = SHA-256:0a1b2c\n') +
    section('6001', 'inbound_auth/password_digest = SHA-1:0a1b2c\n') +
    section('6002', 'inbound_auth/auth_type = md5\ninbound_auth/md5_cred = 5f4dcc3b5aa765d61d8327deb882cf99\n'));
  await reload(f);
  assert.equal((await f.loaded()).auths, ['6000-iauth', '6002-iauth']);
});

test('a stray --; drops every later line, their endpoints are removed, the reply says success', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + section('6001') + section('6002'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000', '6001', '6002']);
  f.write(TEMPLATE + section('6000').replace('"Ext 6000"', '"A--;B"') + section('6001') + section('6002'));
  const r = await reload(f);
  assert.is(r.stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
  assert.equal((await f.loaded()).endpoints, ['6000']);
});

test('written as \\; the same display name is harmless', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000').replace('"Ext 6000"', '"A--\\;B"') + section('6001'));
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, ['6000', '6001']);
  assert.is(l.objects.endpoint!['6000']!.fields.callerid, '"A--;B" <6000>');
});

test(';-- block comments --; span lines and nest', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + ';-- outer\n' + section('6001') + ';-- inner --;\n' + section('6002') + 'still out --;\n' + section('6003'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000', '6003']);
});

test('a line over 8190 bytes is dropped whole; CRLF line ends are fine', async () => {
  const f = fake();
  const long = `endpoint/callerid = "${'x'.repeat(8200)}" <6000>\n`;
  f.write((TEMPLATE + section('6000', 'endpoint/context = crlf\n')).replace(/\n/g, '\r\n') + '[6001](phone)\ninbound_auth/username = 6001\n' + long);
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, ['6000', '6001']);
  assert.is(l.objects.endpoint!['6000']!.fields.context, 'crlf');
  assert.is(l.objects.endpoint!['6001']!.fields.callerid, undefined);
});

test('a section name is cut to 79 bytes', async () => {
  const f = fake();
  const name = 'n'.repeat(90);
  f.write(TEMPLATE + `[${name}](phone)\ninbound_auth/username = x\n`);
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['n'.repeat(79)]);
});

const INVALID: [string, string][] = [
  ['a missing ]', '[6001(phone)\ninbound_auth/username = 6001\n'],
  ['an unknown template', '[6001](nope)\ninbound_auth/username = 6001\n'],
  ['"(a, b)" with a space', '[6001](phone, phone)\ninbound_auth/username = 6001\n'],
];
for (const [what, bad] of INVALID) {
  test(`${what} makes the whole file invalid: every endpoint kept, reply still success`, async () => {
    const f = fake();
    f.write(TEMPLATE + section('6000'));
    await reload(f);
    f.write(TEMPLATE + bad);
    const r = await reload(f);
    assert.is(r.stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
    assert.equal((await f.loaded()).endpoints, ['6000']);
    assert.match(await f.log(), /invalid and cannot be parsed/);
  });
}

test('a key before any section makes the file invalid', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000'));
  await reload(f);
  f.write('type = wizard\n' + TEMPLATE);
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000']);
});

test('deleting the file removes nothing; an empty file removes everything', async () => {
  const f = fake();
  f.write(TEMPLATE + section('6000') + section('6001'));
  await reload(f);
  rmSync(f.conf);
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000', '6001']);
  f.write('');
  await reload(f);
  const l = await f.loaded();
  assert.equal(l.endpoints, []);
  assert.equal(l.aors, []);
  assert.equal(l.auths, []);
});

test('a failed section is not retried until its text changes (or Asterisk restarts)', async () => {
  const f = fake({ dropSections: ['6001'] });
  f.write(TEMPLATE + section('6000') + section('6001'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000']);
  f.setMode({ dropSections: [] });
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000'], 'same text: not retried');
  f.write(TEMPLATE + section('6000') + section('6001', 'endpoint/language = en\n'));
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6000', '6001'], 'changed text: applied');
  // a restart forgets the last seen texts: the next reload applies every section again
  f.setMode({ dropSections: ['6000'] });
  f.restart();
  await reload(f);
  assert.equal((await f.loaded()).endpoints, ['6001']);
});

test('#exec is never run and #include reads a file next to the wizard file', async () => {
  const f = fake();
  const marker = join(f.home, 'exec-ran');
  writeFileSync(join(f.home, 'more.conf'), section('6001'));
  f.write(TEMPLATE + section('6000') + `#exec touch ${marker}\n#include more.conf\n#tryinclude absent.conf\n`);
  await reload(f);
  assert.not.ok(existsSync(marker));
  assert.equal((await f.loaded()).endpoints, ['6000', '6001']);
  assert.match(await f.log(), /#exec/);
});

// ---- Transports and codecs
test('pjsip show transports lists the configured transports', async () => {
  const f = fake({ transports: [{ name: 'transport-udp', protocol: 'udp' }, { name: 'transport-wss', protocol: 'wss' }] });
  const r = await rx(f, 'pjsip show transports');
  assert.match(r.stdout, /^Transport:  transport-udp\s+udp\s+0\s+0\s+0\.0\.0\.0:5060$/m);
  assert.match(r.stdout, /^Transport:  transport-wss\s+wss\s+0\s+0\s+0\.0\.0\.0:5061$/m);
  assert.match(r.stdout, /Objects found: 2\n$/);
});

test('core show translation has no opus row by default, and one when configured', async () => {
  const f = fake();
  let r = await rx(f, 'core show translation');
  assert.match(r.stdout, /Translation times between formats \(in microseconds\) for one second of data/);
  assert.match(r.stdout, /^\s+ulaw\s+-\s+9150/m);
  assert.not.match(r.stdout, /opus/);
  f.setMode({ translatableCodecs: ['ulaw', 'alaw', 'opus'] });
  r = await rx(f, 'core show translation');
  assert.match(r.stdout, /^\s+opus\s+\d+/m);
});

// ---- Bookkeeping
test('several fakes run side by side without sharing state; commands are counted', async () => {
  const a = fake();
  const b = fake();
  a.write(TEMPLATE + section('6000'));
  b.write(TEMPLATE + section('6100'));
  await Promise.all([reload(a), reload(b), rx(a, 'pjsip show endpoints')]);
  assert.equal((await a.loaded()).endpoints, ['6000']);
  assert.equal((await b.loaded()).endpoints, ['6100']);
  assert.is(await a.reloadCount(), 1);
  assert.is(await b.reloadCount(), 1);
  assert.ok((await a.commands()).includes('pjsip show endpoints'));
  const alsoSplit = await run([a.bin, '-r', '-x', 'module reload res_pjsip.so']);
  assert.is(alsoSplit.stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
  assert.is(await a.reloadCount(), 2);
});

test('a fake in a given folder keeps what it loaded between uses', async () => {
  const first = fake();
  first.write(TEMPLATE + section('6000'));
  await reload(first);
  const again = createFakeAsterisk({ transports: [] }, { home: first.home });
  assert.is(again.mode().confPath, first.conf);
  assert.equal((await again.loaded()).endpoints, ['6000']);
  assert.is((await rx(again, 'pjsip show transports')).stdout, 'No objects found.\n');
});

test('hang: no answer until killed', async () => {
  const f = fake({ hang: true });
  f.write(TEMPLATE + section('6000'));
  const child = spawn(f.bin, ['-rx', 'pjsip show endpoints'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  let exited = false;
  const gone = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => { exited = true; resolve(s); }));
  // bounded poll until the fake has the command in hand (however slowly node started), then give
  // it the time an answer takes: a fake that answers has done so and exited by then
  for (let i = 0; i < 400 && !exited && !(await f.commands()).includes('pjsip show endpoints'); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok((await f.commands()).includes('pjsip show endpoints'), 'the fake never received the command');
  // the moment has passed once the same command, started later on a fake that answers, has answered
  f.setMode({ hang: false });
  const answered = spawnSync(f.bin, ['-rx', 'pjsip show endpoints'], { encoding: 'utf8', timeout: 30_000 });
  assert.is(answered.status, 0, answered.stderr);
  assert.not.ok(exited, 'it answered and exited');
  assert.is(out, '');
  child.kill('SIGKILL');
  assert.is(await gone, 'SIGKILL');
});

test.run();
