// What only the host knows, checked before the write: the DTLS files, geolocation profiles and named
// ACLs an added or changed extension names. A missing one stalls the pass (HostReferenceMissing)
// naming the extension, the option and the file or name; nothing is written or reloaded.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appliedFixture, type PassFixture } from './helpers/pass-fixture.js';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

const ext7000 = (options: string) =>
  `extension: 7000\nname: Lab Bench\nauth: { password: Maja1234 }\ntemplate: custom\noptions:\n${options}`;

const applied = (): Promise<PassFixture> => appliedFixture(cleanups);

async function refused(f: PassFixture, options: string): Promise<string> {
  const before = f.live();
  const reloads = await f.fake.reloadCount();
  f.remote.commit({ 'extensions/7000.yaml': ext7000(options) });
  const r = await f.pass();
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.condition, 'Stalled');
  assert.is(r.reason, 'HostReferenceMissing');
  assert.equal(f.live(), before, 'nothing written');
  assert.is(await f.fake.reloadCount(), reloads, 'nothing reloaded');
  return r.message;
}

test('a dtls file missing or unreadable on the host: stalled, naming extension, option and file', async () => {
  const f = await applied();
  const missing = join(f.root, 'no-such-dir', 'cert.pem');
  assert.match(await refused(f, `  endpoint/dtls_cert_file: ${missing}\n`), new RegExp(`7000 endpoint/dtls_cert_file: file ${missing.replace(/[.]/g, '\\.')} does not exist`));
  if (process.getuid?.() !== 0) { // root reads a file whatever its mode
    const locked = join(f.root, 'key.pem');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    assert.match(await refused(f, `  endpoint/dtls_private_key: ${locked}\n`), /7000 endpoint\/dtls_private_key: .* is not readable/);
  }
});

test('dtls files that exist (a file, a CA folder) pass the host check', async () => {
  const f = await applied();
  const cert = join(f.root, 'cert.pem');
  const caDir = join(f.root, 'ca');
  writeFileSync(cert, 'x');
  mkdirSync(caDir);
  f.remote.commit({ 'extensions/7000.yaml': ext7000(`  endpoint/dtls_cert_file: ${cert}\n  endpoint/dtls_ca_path: ${caDir}\n`) });
  const r = await f.pass();
  assert.is.not(r.reason, 'HostReferenceMissing', r.message);
  assert.ok(f.live()!.toString().includes(cert));
});

test('a geolocation profile: missing → stalled; res_geolocation not loaded → stalled; configured → passes', async () => {
  const f = await applied();
  assert.match(await refused(f, '  endpoint/geoloc_incoming_call_profile: office\n'), /7000 endpoint\/geoloc_incoming_call_profile: no geolocation profile office/);
  f.fake.setMode({ geolocProfiles: null });
  assert.match(await refused(f, '  endpoint/geoloc_outgoing_call_profile: office\n'), /res_geolocation is not loaded/);
  f.fake.setMode({ geolocProfiles: ['office'] });
  f.remote.commit({ 'extensions/7000.yaml': ext7000('  endpoint/geoloc_outgoing_call_profile: office\n') });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
});

test('a named ACL: none in acl.conf → stalled; defined (any case) → passes', async () => {
  const f = await applied();
  assert.match(await refused(f, '  endpoint/acl: office\n'), /7000 endpoint\/acl: no named ACL office/);
  f.fake.setMode({ acls: ['other'] });
  assert.match(await refused(f, '  endpoint/contact_acl: office\n'), /7000 endpoint\/contact_acl: no named ACL office/);
  f.fake.setMode({ acls: ['other', 'Office'] });
  f.remote.commit({ 'extensions/7000.yaml': ext7000('  endpoint/acl: office\n') });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
});

test('an unchanged extension is not looked at again: no acl show, geoloc or file check when nothing names one', async () => {
  const f = await applied();
  f.remote.commit({ 'extensions/6010.yaml': 'extension: 6010\nname: Renamed\nauth: { password: Maja1234 }\n' });
  const since = (await f.fake.commands()).length;
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  const cmds = (await f.fake.commands()).slice(since);
  assert.not.ok(cmds.some((c) => /^(acl show|geoloc )/.test(c)), cmds.join(', '));
});

test.run();
