// The host check of tls/wss transports (reconciler/steps/transport-tls.ts) against the fake Asterisk,
// with real certificate files made by the openssl CLI: valid, expiring soon, expired, missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { showTransport } from '../reconciler/asterisk.js';
import { readStatus } from '../reconciler/state.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { passFixture, SHIPPED, type PassFixture } from './helpers/pass-fixture.js';
import { createFakeAsterisk } from './helpers/fake-asterisk.js';
import { tempDir } from './helpers/git.js';

const fixtures: PassFixture[] = [];
const certs = tempDir('pjsip-gitops-certs-');
test.after(() => { for (const f of fixtures) f.cleanup(); });

const openssl = (cwd: string, args: string[]) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** A self-signed certificate valid for `days` from now. */
function freshCert(name: string, days: number): string {
  const dir = join(certs, name);
  mkdirSync(dir);
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=pbx.example.invalid', '-days', String(days)]);
  return join(dir, 'cert.pem');
}

/** A certificate that expired in 2020: `openssl ca` takes explicit dates (OpenSSL 3.0's req has no -not_after). */
function expiredCert(): string {
  const dir = join(certs, 'expired');
  mkdirSync(dir);
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n' +
    'default_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'req.csr', '-subj', '/CN=pbx.example.invalid']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext']);
  return join(dir, 'cert.pem');
}

const VALID = freshCert('valid', 365);
const SOON = freshCert('soon', 5);
const EXPIRED = expiredCert();

// the shipped site with the softphones on a tls transport
const SITE = readFileSync(join(SHIPPED, 'site.yaml'), 'utf8')
  .replace('  transport-ws: { protocol: ws, port: 8089 }', '  transport-ws: { protocol: ws, port: 8089 }\n  transport-tls: { protocol: tls, port: 5061 }')
  .replace('    description: Zoiper / Phoner over UDP, 6010–6023\n    transport: transport-udp', '    description: Zoiper / Phoner over TLS, 6010–6023\n    transport: transport-tls');

async function setup(tls: { protocol?: string; certFile?: string; password?: string }): Promise<PassFixture> {
  const f = await passFixture({
    files: { 'extensions/site.yaml': SITE },
    fake: { transports: [{ name: 'transport-udp', protocol: 'udp' }, { name: 'transport-ws', protocol: 'ws' },
      { name: 'transport-tls', protocol: 'tls', ...tls }] },
  });
  fixtures.push(f);
  return f;
}

/** The live cert_file path the fake reports: a copy the test can replace, as an admin would. */
function liveCert(f: PassFixture, from: string): string {
  const path = join(f.root, 'asterisk.pem');
  copyFileSync(from, path);
  return path;
}

const rename6010 = (f: PassFixture) => f.remote.commit({
  'extensions/6010.yaml': readFileSync(join(SHIPPED, '6010.yaml'), 'utf8').replace(/^name: .*$/m, 'name: Renamed Softphone'),
});

test('a tls transport with a valid certificate passes', async () => {
  const f = await setup({});
  f.fake.setMode({ transports: [...f.fake.mode().transports!.slice(0, 2), { name: 'transport-tls', protocol: 'tls', certFile: liveCert(f, VALID) }] });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.ok((await f.fake.commands()).includes('pjsip show transport transport-tls'));
  assert.not.ok(f.logLines.some((l) => l.includes('"host.warning"')));
});

for (const [label, make] of [['an expired', () => EXPIRED], ['a missing', () => null]] as const) {
  test(`${label} certificate stalls the pass: live file untouched, no reload`, async () => {
    const f = await setup({});
    const path = liveCert(f, VALID);
    f.fake.setMode({ transports: [...f.fake.mode().transports!.slice(0, 2), { name: 'transport-tls', protocol: 'tls', certFile: path }] });
    assert.is((await f.pass()).result, 'applied');
    const live = f.live();
    const source = make();
    if (source) copyFileSync(source, path);
    else f.fake.setMode({ transports: [...f.fake.mode().transports!.slice(0, 2), { name: 'transport-tls', protocol: 'tls', certFile: join(f.root, 'gone.pem') }] });
    rename6010(f);
    const r = await f.pass();
    assert.is(r.result, 'stalled', r.message);
    assert.is(r.reason, 'TransportCertificateInvalid');
    assert.match(r.message, /transport-tls/);
    assert.ok(r.message.includes(source ? path : join(f.root, 'gone.pem')), r.message);
    assert.equal(f.live(), live);
    assert.is(await f.fake.reloadCount(), 1);
    assert.is((await readStatus(f.stateDir)).condition.reason, 'TransportCertificateInvalid');
  });
}

test('a tls transport Asterisk reports without cert_file is refused', async () => {
  const f = await setup({});
  const r = await f.pass();
  assert.is(r.reason, 'TransportCertificateInvalid', r.message);
  assert.is(f.live(), null);
});

test('a certificate expiring within 14 days passes with a warning', async () => {
  const f = await setup({});
  f.fake.setMode({ transports: [...f.fake.mode().transports!.slice(0, 2), { name: 'transport-tls', protocol: 'tls', certFile: liveCert(f, SOON) }] });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.ok(f.logLines.some((l) => l.includes('"host.warning"') && l.includes('transport-tls')));
});

test('a transport site.yaml declares tls but Asterisk runs as tcp is refused', async () => {
  const f = await setup({ protocol: 'tcp' });
  const r = await f.pass();
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.reason, 'TransportMissing');
  assert.match(r.message, /transport-tls/);
  assert.is(await f.fake.reloadCount(), 0);
});

test('wss: cert_file is ignored by Asterisk (http.conf serves it), so it is not checked', async () => {
  const site = SITE.replace('transport-ws: { protocol: ws, port: 8089 }', 'transport-ws: { protocol: wss, port: 8089 }');
  const f = await passFixture({
    files: { 'extensions/site.yaml': site },
    fake: { transports: [{ name: 'transport-udp', protocol: 'udp' }, { name: 'transport-ws', protocol: 'wss', certFile: EXPIRED },
      { name: 'transport-tls', protocol: 'tls', certFile: VALID }] },
  });
  fixtures.push(f);
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.not.ok((await f.fake.commands()).includes('pjsip show transport transport-ws'));
});

test('pjsip show transport: cert_file read, the key passphrase never in the output kept', async () => {
  const fake = createFakeAsterisk({ transports: [{ name: 'transport-tls', protocol: 'tls', certFile: VALID, password: 'Planted-Key-Pass-9' }] });
  try {
    const opts = { cli: [fake.bin, '-rx'], timeoutMs: 5000 };
    const r = await showTransport(new LocalTarget(), 'transport-tls', opts);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value, { protocol: 'tls', certFile: VALID });
    assert.not.ok(r.output.includes('Planted-Key-Pass-9'));
    const none = await showTransport(new LocalTarget(), 'transport-nope', opts);
    assert.ok(none.ok && none.value === null);
  } finally {
    fake.cleanup();
  }
});

test.run();
