// What a user writes is never taken for more than it is. The extension number becomes the section name
// as written, so only plain decimal digits get through (6e3, 0x1B5E, 6001.0, +6001, 06001 are refused at
// the value); and whatever is written under auth: is shown (secret) in a diagnostic's excerpt.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/compile.js';
import { formatGithub, formatJson, formatText } from '../compiler/format.js';
import type { Diagnostic } from '../compiler/types.js';
import { extensionText } from '../cli/engineer/new.js';
import { SITE, posOf } from './helpers/site.js';

const fileOf = (n: string) => `${n.replace(/^['"]|['"]$/g, '')}.yaml`;
const extText = (n: string, auth = '{ password: Maja1234 }') =>
  `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: Desk\nauth: ${auth}\n`;

function compileOne(file: string, text: string) {
  return compile([{ path: 'site.yaml', text: SITE }, { path: file, text }]);
}

const REFUSED: { given: string; want: string }[] = [
  { given: '6e3', want: 'SCHEMA_PATTERN' },
  { given: '0x1B5E', want: 'SCHEMA_PATTERN' },
  { given: '0o15530', want: 'SCHEMA_PATTERN' },
  { given: '6001.0', want: 'SCHEMA_PATTERN' },
  { given: '+6001', want: 'SCHEMA_PATTERN' },
  { given: "'+6001'", want: 'SCHEMA_PATTERN' },
  { given: '06001', want: 'SCHEMA_PATTERN' }, // YAML 1.2 reads 6001, YAML 1.1 octal 3073: quote it to mean 06001
  { given: '100000000000000000000', want: 'SCHEMA_PATTERN' }, // 21 digits, equal to the schema's maximum as a double
  { given: '1e21', want: 'SCHEMA_RANGE' },
  { given: '1234567890123456789012', want: 'SCHEMA_RANGE' },
  { given: '"1234567890123456789012"', want: 'SCHEMA_PATTERN' },
  { given: '-6001', want: 'SCHEMA_RANGE' },
  { given: 'true', want: 'SCHEMA_TYPE' },
  { given: 'null', want: 'SCHEMA_TYPE' },
  { given: '.inf', want: 'SCHEMA_TYPE' },
];

for (const c of REFUSED) {
  test(`extension: ${c.given} is refused with ${c.want} at the value, and nothing else`, () => {
    const file = fileOf(c.given);
    const text = extText(c.given);
    const r = compileOne(file, text);
    assert.is(r.ok, false);
    const errors = r.diagnostics.filter((d) => d.file === file && d.severity === 'error');
    assert.equal(errors.map((d) => d.code), [c.want]);
    const line = text.split('\n').indexOf(`extension: ${c.given}`) + 1;
    assert.is(`${errors[0]!.line}:${errors[0]!.col}`, `${line}:${'extension: '.length + 1}`);
  });
}

test('a number reached through an alias is checked as it is written at the anchor', () => {
  const text = 'auth: { secret: &n 0x1771 }\nextension: *n\nname: Desk\n';
  const r = compileOne('6001.yaml', text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.map((d) => d.code), ['SCHEMA_PATTERN']);
  assert.is(`${errors[0]!.line}:${errors[0]!.col}`, posOf(text, '*n'));
});

const ACCEPTED: { given: string; section: string }[] = [
  { given: '6001', section: '6001' },
  { given: '"6001"', section: '6001' }, // a quoted string of digits is that text
  { given: '"06001"', section: '06001' }, // the only way to keep a leading zero
  { given: '7000', section: '7000' },
  { given: '12345678901234567890', section: '12345678901234567890' }, // 20 digits: the schema's bound
];

for (const c of ACCEPTED) {
  test(`extension: ${c.given} compiles to section [${c.section}]`, () => {
    const r = compileOne(fileOf(c.given), extText(c.given));
    assert.ok(r.ok, r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`).join(', '));
    if (r.ok) assert.ok(r.conf.split('\n').includes(`[${c.section}](pjsip-gitops-defaults,${c.section === '6001' || c.section === '06001' ? 'webrtc' : 'softphone'})`), r.conf);
  });
}

test('`new 06001` writes the number quoted, so the file it creates compiles to [06001]', () => {
  const r = compileOne('06001.yaml', extensionText('06001', 'Desk', { password: 'Maja1234' }));
  assert.ok(r.ok, r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`).join(', '));
  if (r.ok) assert.ok(r.model.extensions.some((e) => e.number === '06001'));
});

const PW = 'Hunter2xyz';
const AUTH_CASES: { name: string; auth: string; code: string; at: string }[] = [
  { name: 'flow, mistyped key', auth: `{ pass: ${PW} }`, code: 'SCHEMA_UNKNOWN_KEY', at: 'pass' },
  { name: 'block, mistyped key', auth: `\n  passwd: ${PW}`, code: 'SCHEMA_UNKNOWN_KEY', at: 'passwd' },
  { name: 'a second key', auth: `{secret: 1, extra: ${PW}}`, code: 'SCHEMA_UNKNOWN_KEY', at: 'extra' },
  { name: 'quoted, with a comment', auth: `{ pasword: "${PW}" }  # dev`, code: 'SCHEMA_UNKNOWN_KEY', at: 'pasword' },
  { name: 'a lone word', auth: `{ ${PW} }`, code: 'SCHEMA_UNKNOWN_KEY', at: PW },
  { name: 'a plain scalar', auth: PW, code: 'SCHEMA_TYPE', at: PW },
  { name: 'a list', auth: `[${PW}]`, code: 'SCHEMA_TYPE', at: `[${PW}` },
  { name: 'nested', auth: `{ password: { value: ${PW} } }`, code: 'SCHEMA_TYPE', at: '{ value' },
];

for (const c of AUTH_CASES) {
  test(`auth: ${c.name}: the value is (secret) in text, json and github output; the error stays at ${c.at}`, () => {
    const text = extText('6001', c.auth);
    const r = compileOne('6001.yaml', text);
    const d = r.diagnostics.find((x) => x.code === c.code);
    assert.ok(d, r.diagnostics.map((x) => x.code).join(','));
    assert.is(`${d!.line}:${d!.col}`, posOf(text, c.at));
    const texts = new Map([['6001.yaml', text]]);
    const shown = [
      formatText(r.diagnostics, { displayPath: (f) => f, texts, color: false }),
      formatJson(r.diagnostics, { displayPath: (f) => f }),
      formatGithub(r.diagnostics, { displayPath: (f) => f }),
    ];
    for (const out of shown) assert.not.ok(out.includes(PW), out);
    assert.ok(shown[0]!.includes(`6001.yaml:${d!.line}:${d!.col}`));
    assert.ok(shown[0]!.includes('(secret)'), shown[0]);
  });
}

test('auth: a value over several lines, and an alias of it, are (secret) on every line an excerpt shows', () => {
  const text = 'auth:\n  passwd: Hunter2\n    xyzmore\n  block: |\n    Blocky-Pw-9x\nname: *a\nextension: 6001\n';
  const withAnchor = text.replace('passwd: Hunter2', 'passwd: &a Hunter2');
  for (const t of [text, withAnchor]) {
    const texts = new Map([['6001.yaml', t]]);
    const at = (line: number, col: number): Diagnostic => ({ code: 'SCHEMA_INVALID', severity: 'error', file: '6001.yaml', line, col, endLine: line, endCol: col + 3, message: 'm' });
    const out = formatText([at(2, 3), at(3, 5), at(5, 5), at(6, 7)], { displayPath: (f) => f, texts, color: false });
    for (const secret of ['Hunter2', 'xyzmore', 'Blocky-Pw-9x']) assert.not.ok(out.includes(secret), out);
    assert.ok(out.includes('   2 |   passwd: (secret)') || out.includes('   2 |   passwd: &a (secret)'), out);
    assert.ok(out.includes('   3 | (secret)'), out);
    assert.ok(out.includes('   6 | name: *a'), out);
  }
});

test.run();
