// Verify and the host check against a real Asterisk 22.10.1: a value the compiler accepts and
// Asterisk's aor parser refuses (`aor/qualify_timeout = 1e400`, out of a double's range) drops only
// the aor of an added extension — the endpoint loads, phones would get 404 — and keeps the OLD aor of
// a changed one; both are VerifyFailed and rolled back. A normal change verifies. A DTLS file, a
// geolocation profile or a named ACL the host lacks stalls the pass before the write. A bulk add of
// 400 is verified by the listings Asterisk prints (existence of every object) and a sample of 100
// shown one by one: an aor Asterisk drops outside the sample is still found.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExtensionModel } from '../../compiler/types.js';
import { VALUE_CHECKED_MAX, valueSample } from '../../reconciler/verify-sample.js';
import { parameterRows, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { loggedReloads, realPass, type RealPass } from '../helpers/real-pass.js';

let ast: RealAsterisk | undefined;
let rp: RealPass;
let work: string;
const a = () => ast!;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'real-verify-'));
  ast = await startAsterisk();
  rp = await realPass(ast);
  const first = await rp.pass();
  if (first.result !== 'applied') throw new Error(`first pass: ${first.message}`);
});
test.after(async () => {
  await ast?.stop();
  rp?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

const ext = (n: string, name: string, more = '') =>
  `extension: ${n}\nname: ${name}\nauth: { password: Maja1234 }\n${more}`;

test('a normal change verifies: one show per object of the changed extension', withLog(a, async () => {
  rp.remote.commit({ 'extensions/6010.yaml': ext('6010', 'Softphone Verified', 'options:\n  aor/max_contacts: 3\n') });
  const r = await rp.pass();
  assert.is(r.result, 'applied', r.message);
  const verified = rp.logLines.map((l) => JSON.parse(l) as { event?: string; objectsShown?: number }).filter((e) => e.event === 'asterisk.verified').pop();
  assert.is(verified?.objectsShown, 3, 'endpoint, aor and inbound auth of 6010');
  assert.is(parameterRows(await a().cli('pjsip show aor 6010')).get('max_contacts'), '3');
}));

test('an added extension whose aor Asterisk drops (the endpoint loads): VerifyFailed naming the aor, rolled back', withLog(a, async () => {
  const verifiedBytes = rp.live()!;
  const logMark = a().logText().length;
  const reloads = loggedReloads(a());
  rp.remote.commit({ 'extensions/7000.yaml': ext('7000', 'Lab Bench', 'template: custom\noptions:\n  aor/qualify_timeout: "1e400"\n') });
  const r = await rp.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /7000: aor 7000 missing/);
  assert.match(a().logText().slice(logMark), /Unable to apply object type 'aor' with id '7000'/);
  assert.is(loggedReloads(a()) - reloads, 2, 'the new file, then the restored one');
  assert.equal(rp.live(), verifiedBytes);
  assert.match(await a().cli('pjsip show endpoint 7000'), /Unable to find object 7000\./);
  rp.remote.commit({ 'extensions/7000.yaml': null });
}));

test('a changed extension whose new aor text Asterisk refuses keeps its old aor: VerifyFailed naming the option', withLog(a, async () => {
  const verifiedBytes = rp.live()!;
  rp.remote.commit({ 'extensions/6011.yaml': ext('6011', 'Softphone Two', 'options:\n  aor/qualify_timeout: "1e400"\n') });
  const r = await rp.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, /6011: aor\/qualify_timeout is "3\.000000" in Asterisk/);
  assert.equal(rp.live(), verifiedBytes);
  rp.remote.commit({ 'extensions/6011.yaml': ext('6011', 'Softphone Two') });
}));

test('host references the host lacks: a DTLS file, a geolocation profile, a named ACL — stalled before the write', withLog(a, async () => {
  const missingCert = join(work, 'no-such-dir', 'cert.pem');
  assert.not.ok(existsSync(missingCert));
  for (const [option, value, pattern] of [
    ['endpoint/dtls_cert_file', missingCert, /7000 endpoint\/dtls_cert_file: file .*cert\.pem does not exist/],
    ['endpoint/geoloc_incoming_call_profile', 'office', /7000 endpoint\/geoloc_incoming_call_profile: no geolocation profile office/],
    ['endpoint/acl', 'office', /7000 endpoint\/acl: no named ACL office/],
  ] as const) {
    const before = rp.live();
    const reloads = loggedReloads(a());
    rp.remote.commit({ 'extensions/7000.yaml': ext('7000', 'Lab Bench', `template: custom\noptions:\n  ${option}: ${value}\n`) });
    const r = await rp.pass();
    assert.is(r.condition, 'Stalled', r.message);
    assert.is(r.reason, 'HostReferenceMissing');
    assert.match(r.message, pattern);
    assert.equal(rp.live(), before, 'nothing written');
    assert.is(loggedReloads(a()), reloads, 'nothing reloaded');
  }
}));

const BULK = 400;
/** `count` extensions from 7100 on, all of one kind (the same options): `timeout(i)` is each one's aor/qualify_timeout. */
function bulk(timeout: (i: number) => string, more: Record<string, string> = {}): Record<string, string | null> {
  // the host-reference case above leaves a 7000 the host refuses
  const files: Record<string, string | null> = { 'extensions/7000.yaml': null, ...more };
  for (let i = 0; i < BULK; i++) {
    files[`extensions/bulk/${7100 + i}.yaml`] = ext(String(7100 + i), `Bulk ${i}`, `template: custom\noptions:\n  aor/qualify_timeout: "${timeout(i)}"\n`);
  }
  return files;
}

test(`a bulk add of ${BULK}: every object checked by the listings, ${VALUE_CHECKED_MAX} shown; an aor dropped outside the sample is found`, withLog(a, async () => {
  // which of BULK extensions of one kind the sample leaves out (the sample depends only on order and kinds)
  const same = Array.from({ length: BULK }, (_, i) => ({ number: String(7100 + i), name: '', template: 'custom', file: '', codecs: [],
    options: { 'aor/qualify_timeout': '' }, auth: 'password', passwordFingerprint: '' }) as ExtensionModel);
  const sampled = new Set(valueSample(same).checked.map((e) => e.number));
  const dropped = same.map((e) => e.number).find((n, i) => i > BULK / 2 && !sampled.has(n))!;
  const verifiedBytes = rp.live()!;
  const logFrom = rp.logLines.length;
  // 1e400 is out of a double's range: Asterisk drops that one aor; the endpoint loads
  rp.remote.commit(bulk((i) => (String(7100 + i) === dropped ? '1e400' : '4')));
  const r = await rp.pass();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, new RegExp(`${dropped}: aor ${dropped} missing`));
  const events = rp.logLines.slice(logFrom).map((l) => JSON.parse(l) as Record<string, unknown>);
  const s = events.find((e) => e.event === 'verify.sampled');
  // the 400, and whatever earlier cases left changed (6011 reverted by name)
  assert.ok((s?.changed as number) >= BULK, `${s?.changed} changed`);
  assert.equal([s?.valueChecked, s?.existenceOnly], [VALUE_CHECKED_MAX, (s?.changed as number) - VALUE_CHECKED_MAX]);
  assert.equal(rp.live(), verifiedBytes, 'rolled back');

  // the same with every value good, and one extension with an identify (no registrations, a remote host)
  const logFrom2 = rp.logLines.length;
  rp.remote.commit(bulk(() => '4', { 'extensions/bulk/7099.yaml': ext('7099', 'Trunk Peer',
    'template: custom\noptions:\n  accepts_registrations: no\n  remote_hosts: 127.0.0.9\n') }));
  const ok = await rp.pass();
  assert.is(ok.result, 'applied', ok.message);
  const v = rp.logLines.slice(logFrom2).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'asterisk.verified');
  assert.ok((v?.changedVerified as number) >= BULK + 1, `${v?.changedVerified} changed`);
  assert.equal([v?.valueChecked, v?.existenceOnly], [VALUE_CHECKED_MAX, (v?.changedVerified as number) - VALUE_CHECKED_MAX]);
  // the identify's extension is a kind of its own, so in the sample: its show proves it, no identify listing
  assert.equal(v?.listings, ['pjsip show aors', 'pjsip show auths']);
  assert.ok((v?.objectsShown as number) <= 3 * VALUE_CHECKED_MAX + 1, `${v?.objectsShown} objects shown`);
}));

test.run();
