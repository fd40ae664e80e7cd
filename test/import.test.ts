// import: hand-written wizard files → YAML, checked by compiling back and comparing effective options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, SITE_FILE } from '../compiler/compile.js';
import { compareEffective, effectiveOptions, findSection, parseConf } from '../compiler/conf-parse.js';
import { importWizard, type ImportResult } from '../compiler/import.js';
import type { SourceFile } from '../compiler/types.js';
import { openSecretStore } from '../reconciler/secrets/store.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/import');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

/** Compiles the imported files in dev with the secrets resolved: the wizard file a host would get. */
function compileBack(r: ImportResult, files: SourceFile[] = r.files): string {
  const dev = files.map((f) => (f.path === SITE_FILE ? { ...f, text: f.text.replace(/^profile: production$/m, 'profile: dev') } : f));
  const out = compile(dev, { secrets: (auth) => (auth.kind === 'secret' ? r.secrets[auth.name] : undefined) });
  if (!out.ok) throw new Error(out.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join('\n'));
  return out.conf;
}

function effective(conf: string, section: string): Map<string, string> {
  return effectiveOptions(findSection(parseConf(conf), section)!.variables);
}

test('runbook style: templates recognised, passwords moved to secrets, same effective options', () => {
  const original = fixture('runbook.conf');
  const r = importWizard(original);
  assert.ok(r.ok);
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(r.files.map((f) => f.path), ['site.yaml', '6000.yaml', '6001.yaml', '6002.yaml', '6010.yaml', '6011.yaml', '6012.yaml']);
  for (const f of r.files.slice(1)) {
    assert.ok(f.text.startsWith('# yaml-language-server: $schema=../schemas/extension.schema.json\n'), f.path);
    assert.match(f.text, new RegExp(`^auth: \\{ secret: "${f.path.slice(0, 4)}" \\}$`, 'm'));
    assert.not.ok(f.text.includes('Maja1234'));
  }
  assert.not.ok(r.files[0]!.text.includes('Maja1234'));
  assert.equal(Object.keys(r.secrets), ['6000', '6001', '6002', '6010', '6011', '6012']);
  assert.ok(Object.values(r.secrets).every((p) => p === 'Maja1234'));
  const site = r.files[0]!.text;
  assert.match(site, /^profile: production$/m);
  assert.match(site, /^ {2}webrtc-template:\n {4}transport: transport-ws\n {4}codecs: \[ g722, ulaw, alaw, opus \]/m);
  assert.match(site, /^ {2}- \{ from: 6000, to: 6002, templates: \[ webrtc-template \] \}$/m);
  assert.match(site, /^ {2}- \{ from: 6010, to: 6012, templates: \[ softphone-template \] \}$/m);
  assert.match(site, /^ {4}accepts_auth: yes$/m, 'options every section repeats become defaults');
  assert.match(r.files.find((f) => f.path === '6002.yaml')!.text, /^options:\n {2}endpoint\/ice_support: no\n/m);
  assert.match(r.files.find((f) => f.path === '6012.yaml')!.text, /^name: Reception$/m);
  // the overridden endpoint/auth is named, ignored, and said so
  assert.equal(r.ignored['6000'], ['endpoint/auth']);
  assert.ok(r.notes.some((n) => n.startsWith('6000, 6001, 6002, 6010, 6011, 6012: endpoint/auth left out')));

  const back = compileBack(r);
  assert.equal(compareEffective(parseConf(original), parseConf(back), r.ignored), []);
  const e6012 = effective(back, '6012');
  assert.is(e6012.get('aor/max_contacts'), '2');
  assert.is(e6012.get('endpoint/rtp_symmetric'), 'yes');
  assert.is(e6012.get('inbound_auth/password'), 'Maja1234');
  assert.is(effective(back, '6001').get('endpoint/allow'), 'g722,ulaw,alaw,opus');
  assert.is(effective(back, '6001').get('endpoint/webrtc'), 'yes');
});

test('the round-trip comparison catches a difference, and never prints a password', () => {
  const original = fixture('runbook.conf');
  const r = importWizard(original);
  const changed = r.files.map((f) => (f.path === '6002.yaml' ? { ...f, text: f.text.replace('ice_support: no', 'ice_support: yes') } : f));
  const diffs = compareEffective(parseConf(original), parseConf(compileBack(r, changed)), r.ignored);
  assert.equal(diffs, ['[6002] endpoint/ice_support: no before, yes after import']);
  const rotated = { ...r, secrets: { ...r.secrets, '6010': 'Other-Pass-991' } };
  const pw = compareEffective(parseConf(original), parseConf(compileBack(rotated)), r.ignored);
  assert.equal(pw, ['[6010] inbound_auth/password: (secret) before, (secret) after import']);
  assert.equal(compareEffective(parseConf(original), parseConf(original.replace(/\[6011\][\s\S]*?\n\n/, '')), {}), ['[6011] is missing after import']);
});

test('--keep-passwords: profile dev and auth: { password }, no secrets', () => {
  const r = importWizard(fixture('runbook.conf'), { keepPasswords: true });
  assert.ok(r.ok);
  assert.equal(r.secrets, {});
  assert.match(r.files[0]!.text, /^profile: dev$/m);
  assert.match(r.files[1]!.text, /^auth: \{ password: "Maja1234" \}/m);
  const c = compile(r.files);
  assert.ok(c.ok);
  assert.equal(c.diagnostics.map((d) => d.code).filter((x) => x !== 'PLAINTEXT_PASSWORD'), []);
});

test('CRLF, \\; escapes, += and block comments, multiple inheritance: read as Asterisk does, round trip equal', () => {
  const original = fixture('crlf-inheritance.conf');
  assert.ok(original.includes('\r\n'));
  const conf = parseConf(original);
  assert.ok(conf.ok);
  assert.equal(conf.sections.map((s) => s.name), ['base', 'udp-phone', 'desk', '7000', '7001', '7002'], 'nothing inside the block comment');
  assert.equal(findSection(conf, 'desk')!.templates, ['base', 'udp-phone']);
  const e7000 = effectiveOptions(findSection(conf, '7000')!.variables);
  assert.is(e7000.get('endpoint/allow'), 'ulaw,alaw,g722', '+= appended, then allow added');
  assert.is(e7000.get('inbound_auth/password'), 'pa;ss#word "x"');
  assert.is(e7000.get('endpoint/callerid'), '"Front ; Desk" <7000>');
  assert.is(e7000.get('endpoint/language'), 'en');
  const e7001 = effectiveOptions(findSection(conf, '7001')!.variables);
  assert.is(e7001.get('endpoint/direct_media'), 'yes', 'own line overrides the template');
  assert.is(e7001.get('transport'), 'transport-udp');

  const r = importWizard(original);
  assert.ok(r.ok);
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.is(r.secrets['7000'], 'pa;ss#word "x"');
  assert.match(r.files.find((f) => f.path === '7000.yaml')!.text, /^name: Front ; Desk$/m);
  assert.match(r.files.find((f) => f.path === '7002.yaml')!.text, /^ {2}endpoint\/set_var: GREETING=hello;world$/m);
  const back = compileBack(r);
  assert.ok(back.includes('inbound_auth/password = pa\\;ss#word "x"'), 'the ; is escaped again on the way out');
  assert.equal(compareEffective(conf, parseConf(back), r.ignored), []);
  assert.is(effective(back, '7002').get('endpoint/set_var'), 'GREETING=hello;world');
});

test('unknown options are kept and flagged; includes and non-wizard sections reported; wizard-set options ignored', () => {
  const r = importWizard(fixture('unknown-options.conf'), { file: 'old/pjsip_wizard.conf' });
  assert.ok(r.ok, 'still written');
  const codes = r.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`);
  assert.ok(codes.includes('old/pjsip_wizard.conf:2 CONF_DIRECTIVE'), codes.join('\n'));
  assert.ok(codes.includes('old/pjsip_wizard.conf:13 IMPORT_NOT_WIZARD'));
  assert.ok(codes.some((c) => /^6500\.yaml:\d+ UNKNOWN_OPTION$/.test(c)));
  assert.ok(codes.some((c) => /^6501\.yaml:\d+ UNKNOWN_OPTION$/.test(c)));
  assert.match(r.files.find((f) => f.path === '6500.yaml')!.text, /endpoint\/no_such_option: 1/);
  assert.match(r.files.find((f) => f.path === '6501.yaml')!.text, /aor\/max_contactz: 2/);
  assert.not.ok(r.files.some((f) => f.text.includes('endpoint/aors')));
  assert.equal(r.ignored['6500'], ['endpoint/aors']);
  assert.equal(r.files.map((f) => f.path), ['site.yaml', '6500.yaml', '6501.yaml']);
});

test('a section without a password and with an odd callerid: named, noted, and the comparison ignores exactly those', () => {
  const original = '[p](!)\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\naor/max_contacts = 1\ntransport = t-udp\n\n' +
    '[8000](p)\nendpoint/callerid = Lobby\n\n[8001](p)\ninbound_auth/password = Lobby-Pass-8001x\n';
  const r = importWizard(original);
  assert.ok(r.ok);
  assert.equal(r.ignored['8000']?.sort(), ['endpoint/callerid', 'inbound_auth/password']);
  assert.equal(r.ignored['8001'], ['endpoint/callerid'], 'no callerid: named after the number');
  assert.match(r.files.find((f) => f.path === '8000.yaml')!.text, /^name: Lobby$/m);
  assert.ok(r.notes.some((n) => n.startsWith('8000: no inbound_auth/password')));
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(compareEffective(parseConf(original), parseConf(compileBack(r)), r.ignored), []);
  assert.equal(compareEffective(parseConf(original), parseConf(compileBack(r)), {}), [
    '[8000] endpoint/callerid: Lobby before, "Lobby" <8000> after import',
    '[8000] inbound_auth/password: (not set) before, (secret) after import',
    '[8001] endpoint/callerid: (not set) before, "8001" <8001> after import',
  ], 'without the ignore list they show');
});

test('the file pjsip-gitops itself writes imports back to the same templates, ranges and effective options', async () => {
  const shipped = await readExtensionsDir(join(ROOT, 'extensions'));
  const compiled = compile(shipped);
  assert.ok(compiled.ok);
  if (!compiled.ok) return;
  const r = importWizard(compiled.conf, { keepPasswords: true });
  assert.ok(r.ok);
  assert.equal(r.diagnostics.filter((d) => d.severity === 'error'), []);
  const site = r.files[0]!.text;
  assert.match(site, /^ {2}- \{ from: 6000, to: 6009, templates: \[ webrtc \] \}$/m);
  assert.match(site, /^ {2}- \{ from: 6010, to: 6023, templates: \[ softphone \] \}$/m);
  assert.match(site, /^ {2}transport-ws: \{ protocol: ws \}$/m);
  assert.equal(r.files.length, 25);
  assert.equal(compareEffective(parseConf(compiled.conf), parseConf(compileBack(r)), r.ignored), []);
  assert.equal(r.ignored, {});
});

test('a compiled file with secret placeholders or redactions imports no password', () => {
  const conf = '[t](!)\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\naor/max_contacts = 5\n\n' +
    '[6010](t)\ninbound_auth/username = 6010\ninbound_auth/password = !pjsip-gitops-unresolved-secret!\n\n' +
    '[6011](t)\ninbound_auth/username = 6011\ninbound_auth/password = (secret)\n\n' +
    '[6012](t)\ninbound_auth/username = 6012\ninbound_auth/password = Real-Pass-6012x\n';
  const r = importWizard(conf);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.equal(r.secrets, { '6012': 'Real-Pass-6012x' });
  assert.equal(r.diagnostics.filter((d) => d.code === 'IMPORT_NO_PASSWORD').map((d) => d.line), [7, 11]);
});

test('conf-parse: what makes Asterisk reject the file, appends, stray block ends', () => {
  const cases: [string, string, boolean, string[]][] = [
    ['key before any section', 'a = 1\n[x]\n', false, ['CONF_NO_SECTION']],
    ['missing ]', '[x\na = 1\n', false, ['CONF_UNCLOSED_SECTION']],
    ['unknown template', '[x](nope)\na = 1\n', false, ['CONF_UNKNOWN_TEMPLATE']],
    ['(a, b) looks for " b"', '[a](!)\n[b](!)\n[x](a, b)\n', false, ['CONF_UNKNOWN_TEMPLATE']],
    ['stray --; drops the rest', '[x]\na = 1 --;\n[y]\nb = 2\n', true, ['CONF_STRAY_BLOCK_END']],
    ['unclosed block comment', '[x]\n;-- open\na = 1\n', true, ['CONF_UNCLOSED_BLOCK']],
    ['line without =', '[x]\njunk\n', true, ['CONF_NO_EQUALS']],
  ];
  for (const [name, text, ok, codes] of cases) {
    const c = parseConf(text);
    assert.is(c.ok, ok, name);
    assert.equal(c.problems.map((p) => p.code), codes, name);
  }
  const stray = parseConf('[x]\na = 1 --;\n[y]\nb = 2\n');
  assert.equal(stray.sections.map((s) => s.name), ['x']);
  const append = parseConf('[X]\na = 1\n[y]\n[x](+)\nb = 2\na += 3\n');
  assert.equal(append.sections.map((s) => s.name), ['X', 'y']);
  assert.equal([...effectiveOptions(append.sections[0]!.variables)], [['a', '13'], ['b', '2']]);
  const codecs = parseConf('[x]\nendpoint/allow = ulaw,alaw\nendpoint/disallow = ulaw\nendpoint/allow = !alaw,g722\n');
  assert.is(effectiveOptions(codecs.sections[0]!.variables).get('endpoint/allow'), 'g722');
});

test('the import command writes the folder and a 0600 secrets file, and prints no password', async () => {
  const root = tempDir('pjsip-gitops-import-');
  roots.push(root);
  const out = join(root, 'repo/extensions');
  const secrets = join(root, 'host-secrets.yaml');
  const run = async (...args: string[]) => {
    const r = await runCliInProcess(args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  const fixtureFile = join(FIXTURES, 'crlf-inheritance.conf');

  const refused = await run('import', fixtureFile, '--out', out);
  assert.is(refused.status, 2, 'passwords to move need --secrets-file');
  assert.not.ok(existsSync(out));

  const ok = await run('import', fixtureFile, '--out', out, '--secrets-file', secrets);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /imported 3 extensions/);
  assert.match(ok.stdout, /round trip checked/);
  assert.equal(readdirSync(out).sort(), ['7000.yaml', '7001.yaml', '7002.yaml', 'site.yaml']);
  assert.is(statSync(secrets).mode & 0o777, 0o600);
  const stored = readFileSync(secrets, 'utf8');
  assert.match(stored, /^"7000": "pa;ss#word \\"x\\""$/m);
  const store = await openSecretStore(secrets); // the reconciler's own reader
  assert.is(store.get('7000'), 'pa;ss#word "x"');
  assert.is(store.get('7002'), 'Third-Pass-7002');
  for (const pw of ['pa;ss#word', 'Second-Pass-7001', 'Third-Pass-7002']) {
    assert.not.ok(ok.stdout.includes(pw) || ok.stderr.includes(pw), `output shows ${pw}`);
    for (const f of readdirSync(out)) assert.not.ok(readFileSync(join(out, f), 'utf8').includes(pw), `${f} holds ${pw}`);
  }
  const validate = await run('validate', out);
  assert.is(validate.status, 0, validate.stdout);

  const again = await run('import', fixtureFile, '--out', out, '--secrets-file', join(root, 'other.yaml'));
  assert.is(again.status, 1, 'existing files are not overwritten');
  assert.not.ok(existsSync(join(root, 'other.yaml')));
  mkdirSync(join(root, 'x'));
  const inside = await run('import', fixtureFile, '--out', join(root, 'x'), '--secrets-file', join(root, 'x/s.yaml'));
  assert.is(inside.status, 2, 'secrets file inside the extensions folder is refused');

  const flagged = await run('import', join(FIXTURES, 'unknown-options.conf'), '--out', join(root, 'y'), '--secrets-file', join(root, 'y-secrets.yaml'));
  assert.is(flagged.status, 1, 'written, but it does not validate yet');
  assert.match(flagged.stderr, /6500\.yaml:\d+:\d+ {2}UNKNOWN_OPTION {2}error/);
  assert.ok(existsSync(join(root, 'y/6500.yaml')));
  assert.not.ok(flagged.stderr.includes('Spare-Pass-6500') || flagged.stdout.includes('Spare-Pass-6500'));
});

test.run();
