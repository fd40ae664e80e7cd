// One case per diagnostic code of the registry: the code is reported, at the line:col of the offending
// text (compile), or at the line of the wizard file (CONF_*, IMPORT_*), or for the file (CONFIG_*).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CODES, type Code, type CodeOf } from '../compiler/codes.js';
import { compile } from '../compiler/compile.js';
import { importWizard } from '../compiler/import.js';
import { importRealtimeRows } from '../compiler/import-realtime.js';
import { ConfigError, loadConfig } from '../reconciler/config.js';
import { SITE, ext, posOf, site } from './helpers/site.js';
import { tempDir } from './helpers/git.js';

interface Case {
  code: CodeOf<'compile'>;
  files: Record<string, string>;
  /** file and the text the diagnostic must start at */
  file: string;
  at: string | null;
  nth?: number;
  secrets?: Record<string, string>;
}

const prod = SITE.replace('profile: dev', 'profile: production');
const secretAuth = '{ secret: s }';

const CASES: Case[] = [
  { code: 'YAML_SYNTAX', files: { '6001.yaml': 'extension: 6001\nname: [unclosed\n' }, file: '6001.yaml', at: null },
  { code: 'DUPLICATE_KEY', files: { '6001.yaml': ext(6001, 'name: again\n') }, file: '6001.yaml', at: 'name: again' },
  { code: 'ALIAS_LIMIT', files: { '6001.yaml': `a: &a [x, x]\nb: [${Array(60).fill('*a').join(', ')}]\n` }, file: '6001.yaml', at: '*a' },
  { code: 'MISSING_SITE', files: { 'site.yaml': '' }, file: 'site.yaml', at: null },
  { code: 'NOT_A_MAPPING', files: { '6001.yaml': '- 1\n- 2\n' }, file: '6001.yaml', at: '- 1' },
  { code: 'SCHEMA_TYPE', files: { '6001.yaml': ext(6001, 'options: [a]\n') }, file: '6001.yaml', at: '[a]' },
  { code: 'SCHEMA_REQUIRED', files: { '6001.yaml': 'extension: 6001\nauth: { password: x }\n' }, file: '6001.yaml', at: 'extension' },
  { code: 'SCHEMA_UNKNOWN_KEY', files: { '6001.yaml': ext(6001, 'colour: red\n') }, file: '6001.yaml', at: 'colour' },
  { code: 'SCHEMA_ENUM', files: { 'site.yaml': SITE.replace('profile: dev', 'profile: staging') }, file: 'site.yaml', at: 'staging' },
  { code: 'SCHEMA_PATTERN', files: { '6001.yaml': ext(6001, 'template: "bad name"\n') }, file: '6001.yaml', at: '"bad name"' },
  { code: 'SCHEMA_RANGE', files: { 'site.yaml': SITE.replace('{ protocol: udp }', '{ protocol: udp, port: 70000 }') }, file: 'site.yaml', at: '70000' },
  { code: 'SCHEMA_SIZE', files: { '6001.yaml': ext(6001, 'codecs: []\n') }, file: '6001.yaml', at: '[]' },
  { code: 'UNKNOWN_OPTION', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/ice_suport: no\n') }, file: '6001.yaml', at: 'endpoint/ice_suport' },
  { code: 'BAD_VALUE', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/media_encryption: maybe\n') }, file: '6001.yaml', at: 'maybe' },
  { code: 'BAD_BOOLEAN', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/direct_media: nope\n') }, file: '6001.yaml', at: 'nope' },
  { code: 'BAD_NUMBER', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/rtp_port_start: 70000\n') }, file: '6001.yaml', at: '70000' },
  { code: 'BAD_CODEC', files: { '6001.yaml': ext(6001, 'codecs: [g722, ulaww]\n') }, file: '6001.yaml', at: 'ulaww' },
  { code: 'DEPRECATED_OPTION', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/preferred_codec_only: yes\n') }, file: '6001.yaml', at: 'endpoint/preferred_codec_only' },
  { code: 'IGNORED_OPTION', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/type: endpoint\n') }, file: '6001.yaml', at: 'endpoint/type' },
  { code: 'OVERRIDDEN_OPTION', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/auth: required\n') }, file: '6001.yaml', at: 'endpoint/auth' },
  { code: 'RESERVED_OPTION', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/callerid: x\n') }, file: '6001.yaml', at: 'endpoint/callerid' },
  { code: 'EMPTY_VALUE', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/language: ""\n') }, file: '6001.yaml', at: '""' },
  { code: 'OPTION_NAME_CASE', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/Language: de\n') }, file: '6001.yaml', at: 'endpoint/Language' },
  { code: 'LEADING_ZERO', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/rtp_timeout: "07"\n') }, file: '6001.yaml', at: '"07"' },
  { code: 'VALUE_TRUNCATED', files: { '6001.yaml': ext(6001, `options:\n  endpoint/subscribe_context: ${'c'.repeat(80)}\n`) }, file: '6001.yaml', at: 'ccc' },
  { code: 'HOST_REFERENCE', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/dtls_ca_file: /etc/asterisk/keys/ca.pem\n') }, file: '6001.yaml', at: '/etc/asterisk' },
  { code: 'NO_EFFECT', files: { '6001.yaml': ext(6001, 'options:\n  registration/expiration: 600\n') }, file: '6001.yaml', at: 'registration/expiration' },
  { code: 'OPTION_CONFLICT', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/timers_sess_expires: 60\n') }, file: '6001.yaml', at: 'endpoint/timers_sess_expires' },
  { code: 'DUPLICATE_EXTENSION', files: { '6001.yaml': ext(6001), '6001-copy.yaml': ext(6001) }, file: '6001-copy.yaml', at: '6001' },
  { code: 'FILE_NAME_MISMATCH', files: { '6002.yaml': ext(6003) }, file: '6002.yaml', at: '6003' },
  { code: 'OUT_OF_RANGE', files: { '6500.yaml': ext(6500) }, file: '6500.yaml', at: '6500' },
  { code: 'TEMPLATE_NOT_ALLOWED', files: { '6001.yaml': ext(6001, 'template: softphone\n') }, file: '6001.yaml', at: 'softphone' },
  { code: 'UNKNOWN_TEMPLATE', files: { 'site.yaml': SITE.replace('templates: [softphone, webrtc]', 'templates: [softphone, desk]') }, file: 'site.yaml', at: 'desk' },
  { code: 'RANGE_OVERLAP', files: { 'site.yaml': SITE.replace('from: 6010, to: 6023', 'from: 6005, to: 6023') }, file: 'site.yaml', at: '{ from: 6005' },
  { code: 'RANGE_ORDER', files: { 'site.yaml': SITE.replace('from: 6010, to: 6023', 'from: 6023, to: 6010') }, file: 'site.yaml', at: '{ from: 6023' },
  { code: 'MAX_CONTACTS_ZERO', files: { '6001.yaml': ext(6001, 'options:\n  aor/max_contacts: 0\n') }, file: '6001.yaml', at: '0\n' },
  { code: 'REGISTRATION_WITHOUT_AUTH', files: { '6001.yaml': ext(6001, 'options:\n  accepts_auth: no\n') }, file: '6001.yaml', at: 'no\n' },
  { code: 'UNKNOWN_TRANSPORT', files: { 'site.yaml': SITE.replace('transport: transport-udp', 'transport: transport-tcp') }, file: 'site.yaml', at: 'transport-tcp' },
  { code: 'WEBRTC_TRANSPORT', files: { 'site.yaml': SITE.replace('transport: transport-ws', 'transport: transport-udp') }, file: 'site.yaml', at: 'transport-udp', nth: 1 },
  { code: 'NON_WEBRTC_WS_TRANSPORT', files: { 'site.yaml': SITE.replace('transport: transport-udp', 'transport: transport-ws') }, file: 'site.yaml', at: 'transport-ws', nth: 2 },
  { code: 'OPUS_NO_PATH', files: { 'site.yaml': SITE.replace('[g722, ulaw, alaw, opus]', '[opus, g722, ulaw, alaw]') }, file: 'site.yaml', at: 'opus' },
  { code: 'WEBRTC_NOT_WSS', files: { 'site.yaml': prod }, file: 'site.yaml', at: 'transport-ws', nth: 1 },
  { code: 'CLEARTEXT_SIGNALING', files: { 'site.yaml': prod }, file: 'site.yaml', at: 'transport-udp', nth: 1 },
  { code: 'CLEARTEXT_MEDIA', files: { 'site.yaml': prod.replace('      endpoint/webrtc: no\n', '      endpoint/webrtc: no\n      endpoint/media_encryption: no\n') }, file: 'site.yaml', at: 'no\nranges' },
  { code: 'PLAINTEXT_PASSWORD', files: { 'site.yaml': prod, '6000.yaml': ext(6000, '', secretAuth), '6010.yaml': ext(6010, '', '{ password: "Zq8#kLm2!vR4pW" }') }, file: '6010.yaml', at: '"Zq8', secrets: { s: 'Xk9$wQ2mN7!pL4vB' } },
  { code: 'WEAK_PASSWORD', files: { 'site.yaml': prod, '6000.yaml': ext(6000, '', '{ secret: a }'), '6010.yaml': ext(6010, '', '{ secret: b }') }, file: '6000.yaml', at: 'a }', secrets: { a: 'short1', b: 'Xk9$wQ2mN7!pL4vB' } },
  { code: 'DEFAULT_PASSWORD', files: { 'site.yaml': prod, '6000.yaml': ext(6000, '', '{ secret: a }'), '6010.yaml': ext(6010, '', '{ secret: b }') }, file: '6000.yaml', at: 'a }', secrets: { a: 'Maja1234', b: 'Xk9$wQ2mN7!pL4vB' } },
  { code: 'PASSWORD_CONTAINS_NUMBER', files: { 'site.yaml': prod, '6000.yaml': ext(6000, '', '{ secret: a }'), '6010.yaml': ext(6010, '', '{ secret: b }') }, file: '6000.yaml', at: 'a }', secrets: { a: 'Xk9$wQ2-6000-mN7!pL4vB', b: 'Xk9$wQ2mN7!pL4vB' } },
  { code: 'PASSWORD_REUSED', files: { 'site.yaml': prod, '6000.yaml': ext(6000, '', '{ secret: a }'), '6010.yaml': ext(6010, '', '{ secret: b }') }, file: '6010.yaml', at: 'b }', secrets: { a: 'Xk9$wQ2mN7!pL4vB', b: 'Xk9$wQ2mN7!pL4vB' } },
  { code: 'CONTROL_CHARACTER', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/context: "internal\\n#exec /bin/sh"\n') }, file: '6001.yaml', at: '"internal' },
  { code: 'VALUE_WHITESPACE', files: { '6001.yaml': ext(6001, 'options:\n  endpoint/context: " internal"\n') }, file: '6001.yaml', at: '" internal"' },
  { code: 'LINE_TOO_LONG', files: { '6001.yaml': ext(6001, `options:\n  endpoint/context: ${'x'.repeat(8200)}\n`) }, file: '6001.yaml', at: 'xxx' },
  { code: 'SECTION_NAME_CLASH', files: { 'site.yaml': SITE.replace('  softphone:\n', '  WebRTC:\n    transport: transport-ws\n    options: { endpoint/webrtc: yes }\n  softphone:\n') }, file: 'site.yaml', at: 'WebRTC' },
  { code: 'BAD_CALLERID_NAME', files: { '6001.yaml': ext(6001).replace('name: Phone 6001', 'name: Phone "6001" <x>') }, file: '6001.yaml', at: 'Phone "6001"' },
];

// unreachable through files that pass the schema (it already limits the characters); kept as a
// second line of defence in the compiler and so not in the table
const DEFENCE_IN_DEPTH = new Set(['SCHEMA_INVALID', 'BAD_SECTION_NAME']);

/** A wizard file for `import`: the code at a 1-based line (0: the whole file). */
interface ImportCase { code: CodeOf<'conf' | 'import'>; conf: string; line: number }

// a wizard template; the sections of a case start at line 8
const WIZ = '[p](!)\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\naor/max_contacts = 1\ntransport = t-udp\n\n';

const IMPORT_CASES: ImportCase[] = [
  { code: 'CONF_NO_SECTION', conf: 'a = 1\n[x]\n', line: 1 },
  { code: 'CONF_UNCLOSED_SECTION', conf: '[x\na = 1\n', line: 1 },
  { code: 'CONF_UNKNOWN_TEMPLATE', conf: '[x](nope)\na = 1\n', line: 1 },
  { code: 'CONF_NO_EQUALS', conf: `${WIZ}[8000](p)\njunk\n`, line: 9 },
  { code: 'CONF_STRAY_BLOCK_END', conf: `${WIZ}[8000](p)\nendpoint/language = en --;\n[8001](p)\n`, line: 9 },
  { code: 'CONF_UNCLOSED_BLOCK', conf: `${WIZ}[8000](p)\n;-- open\nendpoint/language = en\n`, line: 9 },
  { code: 'CONF_DIRECTIVE', conf: `#include other.conf\n${WIZ}[8000](p)\n`, line: 1 },
  { code: 'CONF_LONG_NAME', conf: `${WIZ}[${'a'.repeat(80)}](p)\n`, line: 8 },
  { code: 'CONF_DUPLICATE_SECTION', conf: `${WIZ}[8000](p)\n[8000](p)\n`, line: 9 },
  { code: 'IMPORT_NOT_WIZARD', conf: `${WIZ}[other]\nfoo = bar\n[8000](p)\n`, line: 8 },
  { code: 'IMPORT_SECTION_NAME', conf: `${WIZ}[desk](p)\n`, line: 8 },
  { code: 'IMPORT_NAME', conf: `${WIZ}[8000](p)\nendpoint/callerid = "${'x'.repeat(81)}" <8000>\n`, line: 8 },
  { code: 'IMPORT_USERNAME', conf: `${WIZ}[8000](p)\ninbound_auth/username = bob\n`, line: 8 },
  { code: 'IMPORT_NO_PASSWORD', conf: `${WIZ}[8000](p)\ninbound_auth/password = (secret)\n`, line: 8 },
  { code: 'IMPORT_NO_CODECS', conf: `${WIZ}[8000](p)\nendpoint/allow = ulaw\nendpoint/disallow = ulaw\n`, line: 8 },
  { code: 'IMPORT_EMPTY', conf: '[x]\nfoo = bar\n', line: 0 },
  { code: 'IMPORT_NOT_VERIFIED', conf: `${WIZ}[8000](p)\nendpoint/no_such_option = 1\n`, line: 0 },
  { code: 'IMPORT_MISMATCH', conf: `${WIZ}[8000](p)\nendpoint/allow = ULAW\n`, line: 0 },
];

test('every diagnostic code has a case', () => {
  const covered = new Set<Code>([...CASES.map((c) => c.code), ...IMPORT_CASES.map((c) => c.code), 'CONFIG_UNREADABLE', 'IMPORT_REALTIME_ROW']);
  const missing = Object.keys(CODES).filter((c) => !covered.has(c as Code) && !DEFENCE_IN_DEPTH.has(c));
  assert.equal(missing, []);
});

test('IMPORT_REALTIME_ROW for an aor no endpoint uses (realtime tables have no lines)', () => {
  const r = importRealtimeRows({ ps_endpoints: {}, ps_aors: { 8000: { id: '8000' } }, ps_auths: {} }, { file: 'rt.sqlite3' });
  assert.is(r.ok, false);
  assert.equal(r.diagnostics.filter((d) => d.code === 'IMPORT_REALTIME_ROW').map((d) => [d.file, d.line, d.severity]), [['rt.sqlite3', 0, 'error']]);
});

for (const c of IMPORT_CASES) {
  test(`${c.code} at its line of the wizard file`, () => {
    const r = importWizard(c.conf, { file: 'old.conf' });
    const found = r.diagnostics.filter((d) => d.code === c.code);
    assert.ok(found.length > 0, `${c.code} not reported; got ${r.diagnostics.map((d) => d.code).join(', ') || 'nothing'}`);
    assert.equal(found.map((d) => `${d.file}:${d.line}`), [`old.conf:${c.line}`]);
    assert.is(found[0]!.severity, CODES[c.code].severity, 'reported with the severity of the registry');
  });
}

test('CONFIG_UNREADABLE for a config file that cannot be read', async () => {
  const dir = tempDir();
  const missing = join(dir, 'missing.yaml');
  try {
    await loadConfig(missing);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.equal((err as ConfigError).diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`), [`CONFIG_UNREADABLE ${missing}:0`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const c of CASES) {
  test(`${c.code} at the offending text`, () => {
    const sources = site(c.files);
    const resolver = c.secrets ? (a: { kind: string; name?: string }) => (a.kind === 'secret' ? c.secrets![a.name!] : undefined) : undefined;
    const result = compile(sources, resolver ? { secrets: resolver } : {});
    const found = result.diagnostics.filter((d) => d.code === c.code);
    assert.ok(found.length > 0, `${c.code} not reported; got ${result.diagnostics.map((d) => d.code).join(', ') || 'nothing'}`);
    const d = found.find((x) => x.file === c.file) ?? found[0]!;
    assert.is(d.file, c.file);
    if (c.at !== null) {
      const text = sources.find((s) => s.path === c.file)!.text;
      assert.is(`${d.line}:${d.col}`, posOf(text, c.at, c.nth ?? 0), `position of ${c.code}`);
    }
    const registered = CODES[c.code].severity;
    if (registered !== 'error or warning') assert.is(d.severity, registered, 'reported with the severity of the registry');
    if (d.severity === 'error') assert.is(result.ok, false, 'an error must stop emission');
    // diagnostics never carry the planted passwords
    for (const secret of Object.values(c.secrets ?? {})) {
      assert.not.ok(JSON.stringify(result.diagnostics).includes(secret), 'a password leaked into a diagnostic');
    }
  });
}

test('the shipped-style site compiles with only the dev password warnings', () => {
  const r = compile(site());
  assert.ok(r.ok);
  assert.equal([...new Set(r.diagnostics.map((d) => d.code))], ['PLAINTEXT_PASSWORD']);
  assert.ok(r.diagnostics.every((d) => d.severity === 'warning'));
});

test('a credential under options: is a plaintext password: error in production, warning in dev', () => {
  const text = ext(6000, 'options:\n  outbound_auth/password: "Trunk-Pass-99x"\n', '{ secret: a }');
  const prodSite = compile(site({ 'site.yaml': prod, '6000.yaml': text, '6010.yaml': ext(6010, '', '{ secret: b }') }),
    { secrets: (a) => (a.kind === 'secret' ? `Xk9$wQ2mN7!pL4vB-${a.name}` : undefined) });
  const d = prodSite.diagnostics.find((x) => x.code === 'PLAINTEXT_PASSWORD');
  assert.ok(d, prodSite.diagnostics.map((x) => x.code).join(','));
  assert.is(d!.severity, 'error');
  assert.is(`${d!.line}:${d!.col}`, posOf(text, '"Trunk'));
  assert.not.ok(JSON.stringify(prodSite.diagnostics).includes('Trunk-Pass'));
  const devSite = compile(site({ '6001.yaml': ext(6001, 'options:\n  outbound_auth/password: "Trunk-Pass-99x"\n') }));
  assert.ok(devSite.ok);
  assert.ok(devSite.diagnostics.some((x) => x.code === 'PLAINTEXT_PASSWORD' && x.file === '6001.yaml' && x.severity === 'warning'));
});

test('a schema error does not hide the option errors of the same file', () => {
  const r = compile(site({ '6001.yaml': ext(6001, 'colour: red\noptions:\n  endpoint/media_encryption: maybe\n') }));
  const codes = r.diagnostics.map((d) => d.code);
  assert.ok(codes.includes('SCHEMA_UNKNOWN_KEY') && codes.includes('BAD_VALUE'), codes.join(','));
});

test('an extension that turns WebRTC off on a WebSocket template is told at its own option', () => {
  const text = ext(6001, 'options:\n  endpoint/webrtc: no\n');
  const r = compile(site({ '6001.yaml': text }));
  const d = r.diagnostics.find((x) => x.code === 'NON_WEBRTC_WS_TRANSPORT');
  assert.ok(d, r.diagnostics.map((x) => x.code).join(','));
  assert.is(`${d!.file}:${d!.line}:${d!.col}`, `6001.yaml:${posOf(text, 'endpoint/webrtc')}`);
});

test.run();
