// "Did you mean": closest() prunes candidates with a cheap lower bound before the edit distance.
// Checked here against a plain Levenshtein over the real catalog and generated misspellings, so a
// bound that ever over-estimates (and hides the right guess) fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allOptionKeys } from '../compiler/catalog.js';
import { closest } from '../compiler/diagnostics.js';

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** the reference: the first candidate at the smallest distance under the limit closest() uses */
function reference(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestCost = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const cost = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (cost < bestCost) { best = c; bestCost = cost; }
  }
  return best;
}

let seed = 20261130;
const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz_/0123456789ÄéЖ';

function misspell(word: string): string {
  let w = word;
  for (let k = 1 + rand(4); k > 0; k--) {
    const i = rand(w.length + 1);
    const ch = ALPHABET[rand(ALPHABET.length)]!;
    const op = rand(4);
    if (op === 0) w = w.slice(0, i) + ch + w.slice(i);
    else if (op === 1) w = w.slice(0, i) + w.slice(i + 1);
    else if (op === 2) w = w.slice(0, i) + ch + w.slice(i + 1);
    else w = w.toUpperCase();
  }
  return w;
}

test('closest() agrees with a plain edit distance on 1,000 misspelt and random option names', () => {
  const keys = allOptionKeys();
  let guessed = 0;
  for (let n = 0; n < 1000; n++) {
    const word = n % 3 === 2
      ? Array.from({ length: 3 + rand(30) }, () => ALPHABET[rand(ALPHABET.length)]).join('')
      : misspell(keys[rand(keys.length)]!);
    const got = closest(word, keys);
    assert.is(got, reference(word, keys), `closest('${word}')`);
    assert.is(closest(word, keys), got, 'a word asked again gets the remembered answer');
    if (got) guessed++;
  }
  // the generated words are not all hopeless: most misspellings do get a guess
  assert.ok(guessed > 330, `${guessed} guesses`);
});

test('closest() over a short list and over a Set (no cached lower-casing)', () => {
  assert.is(closest('valdate', new Set(['validate', 'compile', 'plan'])), 'validate');
  assert.is(closest('frobnicate', ['validate', 'compile', 'plan']), undefined);
  assert.is(closest('', ['a', 'bb']), 'a');
});


test('an unknown option name\'s guess is searched only when its hint is read, and then kept', async () => {
  const { compile } = await import('../compiler/compile.js');
  const site = 'profile: dev\ntransports:\n  transport-udp: { protocol: udp }\ntemplates:\n  t: { transport: transport-udp }\n' +
    'ranges:\n  - { from: 6000, to: 6999, templates: [t] }\n';
  const ext = 'extension: 6001\nname: A\nauth: { password: "Xk3-long-password-9" }\noptions:\n  endpoint/languag: id\n  endpoint/zz_qq: yes\n';
  const r = compile([{ path: 'site.yaml', text: site }, { path: '6001.yaml', text: ext }]);
  const unknown = r.diagnostics.filter((d) => d.code === 'UNKNOWN_OPTION');
  assert.is(unknown.length, 2);
  for (const d of unknown) assert.type(Object.getOwnPropertyDescriptor(d, 'hint')?.get, 'function', 'not searched yet');
  assert.is(unknown[0]!.hint, "did you mean 'endpoint/language'?");
  assert.is(Object.getOwnPropertyDescriptor(unknown[0]!, 'hint')?.value, "did you mean 'endpoint/language'?", 'kept once read');
  // JSON (validate --format json) and a spread read it like a plain property
  assert.ok(/options are endpoint/.test(JSON.parse(JSON.stringify(unknown[1]!)).hint));
  assert.ok({ ...unknown[1]! }.hint?.startsWith('options are endpoint/'));
});

test.run();
