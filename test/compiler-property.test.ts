// Property: over many generated valid sites, the output is byte-stable (across runs and input order)
// and every line is a comment, a section header, `key = value`, or blank.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/compile.js';
import type { SourceFile } from '../compiler/types.js';
import { SITE } from './helpers/site.js';
import { readValues, unsafeLines } from './helpers/conf-lines.js';

function prng(seed: number) {
  return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
}

const NAME_CHARS = 'abcXYZ019 ;#[]-=()!$%&*+,./:?@^_`{|}~éü'.split('');
const OPTIONS: [string, string[]][] = [
  ['endpoint/dtmf_mode', ['rfc4733', 'inband', 'info', 'auto', 'auto_info']],
  ['endpoint/direct_media', ['yes', 'no', 'true', 'off']],
  ['aor/qualify_frequency', ['0', '30', '60']],
  ['endpoint/language', ['en', 'id']],
  ['endpoint/set_var', ['A=1', 'B=x;y', 'C=--;']],
  ['aor/max_contacts', ['1', '2', '5']],
];

function generate(seed: number): SourceFile[] {
  const rnd = prng(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const files: SourceFile[] = [{ path: 'site.yaml', text: SITE }];
  const used = new Set<number>();
  const count = 1 + Math.floor(rnd() * 25);
  for (let i = 0; i < count; i++) {
    const n = pick([6000, 6010, 7000]) + Math.floor(rnd() * 10);
    if (used.has(n)) continue;
    used.add(n);
    const name = Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => pick(NAME_CHARS)).join('').trim() || 'x';
    const password = Array.from({ length: 4 + Math.floor(rnd() * 20) }, () => pick(NAME_CHARS.filter((c) => c !== ' '))).join('');
    const opts = OPTIONS.filter(() => rnd() < 0.3).map(([k, vs]) => `  ${k}: ${JSON.stringify(pick(vs))}\n`).join('');
    const codecs = rnd() < 0.2 ? `codecs: [${pick(['ulaw', 'alaw', 'g722'])}]\n` : '';
    const template = n >= 7000 && rnd() < 0.5 ? `template: ${pick(['softphone', 'webrtc'])}\n` : '';
    files.push({ path: `${n}.yaml`, text: `extension: ${n}\nname: ${JSON.stringify(name)}\n${template}${codecs}auth: { password: ${JSON.stringify(password)} }\n${opts ? `options:\n${opts}` : ''}` });
  }
  return files;
}

test('300 generated sites: valid, byte-stable, order-independent, every line safe', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const files = generate(seed);
    const a = compile(files);
    assert.ok(a.ok, `seed ${seed}: ${a.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join('; ')}`);
    if (!a.ok) return;
    const b = compile([...files].reverse());
    assert.ok(b.ok);
    if (!b.ok) return;
    assert.is(b.conf, a.conf, `seed ${seed}: output depends on input order`);
    const again = compile(files);
    assert.is(again.ok ? again.conf : '', a.conf, `seed ${seed}: not byte-stable`);
    assert.equal(unsafeLines(a.conf), [], `seed ${seed}: unsafe lines`);
    assert.ok(a.conf.includes(`; sha256 ${a.hash}`));
    // every generated extension is there, with its password read back exactly
    const values = readValues(a.conf);
    for (const f of files.slice(1)) {
      const n = f.path.replace('.yaml', '');
      const pw = JSON.parse(/password: (".*") \}/.exec(f.text)![1]!) as string;
      assert.equal(values.get(`${n}:inbound_auth/password`), [pw], `seed ${seed}: ${n}'s password`);
    }
  }
});

test.run();
