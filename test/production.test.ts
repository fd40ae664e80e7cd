// The production profile's transport and media rules (compiler/rules-production.ts): WebRTC needs
// wss, udp/tcp signaling and `media_encryption = no` are warned about; dev is left as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/compile.js';
import type { Diagnostic } from '../compiler/types.js';
import { SITE, ext, posOf, site } from './helpers/site.js';

const PROD = SITE.replace('profile: dev', 'profile: production');
const CODES = ['WEBRTC_NOT_WSS', 'CLEARTEXT_SIGNALING', 'CLEARTEXT_MEDIA'];
// strong, distinct passwords resolved "on the host", so only the transport rules speak
const secrets = (a: { kind: string; name?: string }) => (a.kind === 'secret' ? `Xk9$wQ2mN7!pL4vB-${a.name}` : undefined);

function run(siteText: string, files: Record<string, string> = {}) {
  const sources = site({ 'site.yaml': siteText, '6000.yaml': ext(6000, '', '{ secret: a }'), '6010.yaml': ext(6010, '', '{ secret: b }'), ...files });
  const r = compile(sources, { secrets });
  const ours = r.diagnostics.filter((d) => CODES.includes(d.code));
  return { r, ours, at: (d: Diagnostic) => `${d.line}:${d.col}` };
}

/** The shipped shape with the webrtc template on a wss transport and the softphone on tls with sdes. */
const SECURE = PROD
  .replace('  transport-ws: { protocol: ws }\n', '  transport-ws: { protocol: ws }\n  transport-wss: { protocol: wss }\n  transport-tls: { protocol: tls }\n')
  .replace('transport: transport-ws\n', 'transport: transport-wss\n')
  .replace('transport: transport-udp\n', 'transport: transport-tls\n')
  .replace('      endpoint/webrtc: no\n', '      endpoint/webrtc: no\n      endpoint/media_encryption: sdes\n');

test('production: a webrtc template on ws is an error at its transport value, with a hint naming wss', () => {
  const { r, ours, at } = run(PROD);
  assert.is(r.ok, false);
  const d = ours.filter((x) => x.code === 'WEBRTC_NOT_WSS');
  assert.is(d.length, 1);
  assert.is(d[0]!.severity, 'error');
  assert.is(d[0]!.file, 'site.yaml');
  assert.is(at(d[0]!), posOf(PROD, 'transport-ws', 1));
  assert.match(d[0]!.hint ?? '', /wss/);
});

test('production: the same site with the webrtc template on wss passes', () => {
  const wss = PROD.replace('  transport-ws: { protocol: ws }\n', '  transport-ws: { protocol: ws }\n  transport-wss: { protocol: wss }\n')
    .replace('transport: transport-ws\n', 'transport: transport-wss\n');
  const { r, ours } = run(wss);
  assert.ok(r.ok, r.diagnostics.map((d) => d.code).join(', '));
  assert.not.ok(ours.some((d) => d.code === 'WEBRTC_NOT_WSS'));
  assert.ok(ours.every((d) => d.severity === 'warning'));
});

test('production: udp and tcp signaling are warnings at the transport value; tls and wss are not', () => {
  const { ours, at } = run(PROD);
  const udp = ours.filter((d) => d.code === 'CLEARTEXT_SIGNALING');
  assert.equal(udp.map((d) => [d.severity, at(d)]), [['warning', posOf(PROD, 'transport-udp', 1)]]);
  const tcpSite = PROD.replace('transport-udp: { protocol: udp }', 'transport-udp: { protocol: tcp }');
  assert.equal(run(tcpSite).ours.filter((d) => d.code === 'CLEARTEXT_SIGNALING').map((d) => `${d.line}:${d.col}`), [posOf(tcpSite, 'transport-udp', 1)]);
  assert.not.ok(run(SECURE).ours.some((d) => d.code === 'CLEARTEXT_SIGNALING'));
});

test('production: media_encryption = no is a warning where written, and by default at the template name', () => {
  const written = PROD.replace('      endpoint/webrtc: no\n', '      endpoint/webrtc: no\n      endpoint/media_encryption: no\n');
  const a = run(written);
  assert.equal(a.ours.filter((d) => d.code === 'CLEARTEXT_MEDIA').map((d) => [d.severity, a.at(d)]), [['warning', posOf(written, 'no\nranges')]]);
  // the softphone template does not set it: Asterisk's default is no
  const b = run(PROD);
  assert.equal(b.ours.filter((d) => d.code === 'CLEARTEXT_MEDIA').map((d) => b.at(d)), [posOf(PROD, 'softphone:')]);
  // the webrtc template writes nothing either, yet webrtc = yes forces dtls: no warning there
  assert.not.ok(b.ours.some((d) => d.code === 'CLEARTEXT_MEDIA' && d.line === Number(posOf(PROD, 'webrtc:').split(':')[0])));
});

test('production: an extension whose own options undo its template\'s encryption is warned at that line', () => {
  const text = ext(6010, 'options:\n  endpoint/media_encryption: no\n', '{ secret: b }');
  const { ours, at } = run(SECURE, { '6010.yaml': text });
  const d = ours.filter((x) => x.code === 'CLEARTEXT_MEDIA');
  assert.equal(d.map((x) => [x.file, at(x)]), [['6010.yaml', posOf(text, 'no\n')]]);
});

test('production: wss for browsers, tls with sdes for softphones: none of these codes', () => {
  const { r, ours } = run(SECURE);
  assert.ok(r.ok, r.diagnostics.map((d) => d.code).join(', '));
  assert.equal(ours, []);
});

test('dev: the same ws/udp/cleartext site reports none of these codes', () => {
  const r = compile(site());
  assert.ok(r.ok);
  assert.equal(r.diagnostics.filter((d) => CODES.includes(d.code)), []);
});

test.run();
