// No value may inject a line, section, comment or directive into pjsip_wizard.conf: control characters
// are refused with a diagnostic (never stripped), and every `;` is written `\;`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/compile.js';
import { ext, site } from './helpers/site.js';
import { readValues, unsafeLines } from './helpers/conf-lines.js';

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

const CONTROL = [...Array(32).keys(), 0x7f, 0x85, 0x2028, 0x2029].map((c) => String.fromCodePoint(c));
const SEMICOLONS = [';', ';--', '--;', 'a;--b--;c', '\\;', 'x\\', '#exec /bin/sh', '#include /etc/passwd', '[evil]', '[6001](!)', '"quoted" #x'];

// where a hostile value can be written: the display name, the password, a raw string option
const PLACES: { name: string; file: (v: string) => string; expectAs: (conf: Map<string, string[]>) => string | undefined }[] = [
  { name: 'name', file: (v) => ext(6001).replace('name: Phone 6001', `name: ${yamlString(`N${v}N`)}`),
    expectAs: (m) => m.get('6001:endpoint/callerid')?.[0]?.replace(/^"(.*)" <6001>$/, '$1') },
  { name: 'password', file: (v) => ext(6001, '', `{ password: ${yamlString(`P${v}P`)} }`),
    expectAs: (m) => m.get('6001:inbound_auth/password')?.[0] },
  { name: 'raw option', file: (v) => ext(6001, `options:\n  endpoint/set_var: ${yamlString(`V=${v}V`)}\n`),
    expectAs: (m) => m.get('6001:endpoint/set_var')?.[0] },
];

for (const place of PLACES) {
  test(`${place.name}: every control character is a CONTROL_CHARACTER error, nothing emitted`, () => {
    // a TAB inside a password is kept exactly by Asterisk (proved by a REGISTER in test/real/)
    for (const ch of CONTROL.filter((c) => !(place.name === 'password' && c === '\t'))) {
      const r = compile(site({ '6001.yaml': place.file(`a${ch}b`) }));
      const codes = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
      assert.is(r.ok, false, `U+${ch.codePointAt(0)!.toString(16)} in ${place.name} was accepted`);
      assert.ok(codes.includes('CONTROL_CHARACTER'), `U+${ch.codePointAt(0)!.toString(16)}: ${codes.join(',')}`);
      assert.not.ok('conf' in r);
      const d = r.diagnostics.find((x) => x.code === 'CONTROL_CHARACTER')!;
      assert.is(d.file, '6001.yaml');
      assert.ok(d.line >= 3, 'points into the file, not its top');
    }
  });

  test(`${place.name}: ; -- # [ are written so Asterisk reads them back literally`, () => {
    for (const payload of SEMICOLONS) {
      if (place.name === 'name' && /["\\]/.test(payload)) continue; // refused as BAD_CALLERID_NAME
      const r = compile(site({ '6001.yaml': place.file(payload) }));
      assert.ok(r.ok, `${JSON.stringify(payload)}: ${r.diagnostics.map((d) => d.code).join(',')}`);
      if (!r.ok) continue;
      assert.equal(unsafeLines(r.conf), [], `${JSON.stringify(payload)} produced unsafe lines`);
      // no block-comment opener or closer survives unescaped
      assert.not.match(r.conf, /--;/);
      assert.not.match(r.conf, /(^|[^\\]);--/m);
      const values = readValues(r.conf);
      const wrapped = place.name === 'name' ? `N${payload}N` : place.name === 'password' ? `P${payload}P` : `V=${payload}V`;
      assert.is(place.expectAs(values), wrapped, `${JSON.stringify(payload)} did not survive`);
      // every later section is still there (a stray --; would drop them)
      assert.ok(values.has('6010:type'), 'a later section vanished');
    }
  });
}

test('a password never appears in diagnostics, even when it is the problem', () => {
  const secret = 'Zz\u0000#exec-planted-secret';
  const r = compile(site({ '6001.yaml': ext(6001, '', `{ password: ${yamlString(secret)} }`) }));
  assert.is(r.ok, false);
  assert.not.ok(JSON.stringify(r.diagnostics).includes('planted-secret'));
});

test('redacted output holds no password', () => {
  const r = compile(site({ '6001.yaml': ext(6001, '', '{ password: "planted;pw" }') }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.ok(r.conf.includes('planted\\;pw'));
  assert.not.ok(r.redacted.includes('planted'));
  assert.not.ok(r.redacted.includes('Maja1234'));
  assert.ok(r.redacted.includes('inbound_auth/password = (secret)'));
});

test('{ secret } without a resolver compiles to a placeholder that is not deployable', () => {
  const r = compile(site({ '6001.yaml': ext(6001, '', '{ secret: desk }') }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.deployable, false);
  const r2 = compile(site({ '6001.yaml': ext(6001, '', '{ secret: desk }') }), { secrets: () => 'Resolved-Pass-123' });
  assert.ok(r2.ok && r2.deployable);
});

test.run();
