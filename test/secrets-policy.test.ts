// The one secrets policy: which option keys are credentials, what each redaction hides, and that the
// credential words are written in no other source file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changedSecretLines, isSecretOption, lineSecretSpans, redactCliRows, redactFields, redactText } from '../compiler/secrets-policy.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('credential options: the auth objects\' password, digest, md5 and oauth keys, nothing else', () => {
  const yes = ['inbound_auth/password', 'outbound_auth/password', 'inbound_auth/md5_cred', 'outbound_auth/oauth_secret',
    'outbound_auth/refresh_token', 'inbound_auth/password_digest', 'OUTBOUND_AUTH/Password'];
  const no = ['inbound_auth/username', 'endpoint/password', 'password', 'inbound_auth/passwords', 'registration/outbound_auth'];
  assert.equal(yes.filter((k) => !isSecretOption(k)), []);
  assert.equal(no.filter((k) => isSecretOption(k)), []);
});

test('redactText hides fields, URL credentials, key material and known values; leaves the rest', () => {
  const cases: [string, string, string[], string][] = [
    ['wizard line', 'inbound_auth/password = Pw-1x', [], 'inbound_auth/password = (secret)'],
    ['YAML field', '  passphrase: open sesame', [], '  passphrase: (secret)'],
    ['diff line', '-md5_cred=abc', [], '-md5_cred=(secret)'],
    ['git URL', 'fetch https://bob:tok3n@git.example/x.git failed', [], 'fetch https://bob:(secret)@git.example/x.git failed'],
    ['token URL', 'https://tok3n@git.example/x', [], 'https://(secret)@git.example/x'],
    ['age identity', `key AGE-SECRET-KEY-1${'Q'.repeat(58)} here`, [], 'key (secret) here'],
    ['known value, escaped as in the file', 'value a\\;b-Secret here', ['a;b-Secret'], 'value (secret) here'],
    ['short known value kept', 'extension 60 of 6001', ['60'], 'extension 60 of 6001'],
    ['ordinary text', 'endpoint/context = internal', ['Pw-1x'], 'endpoint/context = internal'],
  ];
  for (const [name, text, secrets, want] of cases) assert.is(redactText(text, secrets), want, name);
});

test('redactFields hides a credential-named field whole and redacts every other string', () => {
  const got = redactFields({ ageIdentity: '/etc/key', password: 'x', nested: { msg: 'password = y', n: 3 }, list: ['Pw-99z'] }, ['Pw-99z']);
  assert.equal(got, { ageIdentity: '(secret)', password: '(secret)', nested: { msg: 'password = (secret)', n: 3 }, list: ['(secret)'] });
});

test('redactCliRows hides the credential rows of `pjsip show` output only', () => {
  assert.is(redactCliRows(' protocol   : tls\n password   : hunter22\n cert_file  : /k.pem'),
    ' protocol   : tls\n password   : (secret)\n cert_file  : /k.pem');
});

test('lineSecretSpans: the value of a credential key in flow and block YAML, not a comment after it', () => {
  const at = (line: string) => lineSecretSpans(line, []).map(([a, b]) => line.slice(a, b));
  assert.equal(at('auth: { password: "p w", x: 1 }'), ['"p w"']);
  assert.equal(at('  password: hunter2   # dev only'), ['hunter2']);
  assert.equal(at('password: hunter2 # password: old'), ['hunter2']);
  assert.equal(at('name: Desk'), []);
});

test('changedSecretLines names the credential lines that differ, never their values', () => {
  const a = '[6001]\ninbound_auth/password = one\nendpoint/context = a\n';
  const b = '[6001]\ninbound_auth/password = two\nendpoint/context = b\n';
  assert.equal(changedSecretLines(a, b), ['[6001] inbound_auth/password']);
});

test('the credential option names are written in the policy alone', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
    }
  };
  for (const d of ['compiler', 'reconciler', 'cli']) walk(join(ROOT, d));
  // a list of credential words: two of them in one regular expression or array
  const list = /(password_digest|md5_cred|refresh_token|oauth_secret|passphrase)['"]?\s*[|,]\s*['"]?(password|passwd|secret|md5_cred|refresh_token|oauth_secret|private_\?key|passphrase)/;
  const holders = files.filter((f) => list.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
  assert.equal(holders, ['compiler/secrets-policy.ts']);
});

test('10,000 learnt passwords: each hidden wherever it appears (escaped too), the index built once for a Set', () => {
  const secrets = new Set(Array.from({ length: 10_000 }, (_, i) => `pw-${i}-${(i * 7919) % 10007}x`));
  secrets.add('has"quote;semi');
  const some = [17, 9999, 5000].map((i) => `pw-${i}-${(i * 7919) % 10007}x`);
  for (const p of some) assert.ok(secrets.has(p));
  const text = `login ${some[0]} then ${some[1]}${some[2]} and has\\"quote;semi end; pw-1 is no secret`;
  const out = redactText(text, secrets);
  for (const p of some) assert.not.ok(out.includes(p), p);
  assert.not.ok(out.includes('quote;semi'), 'the escaped form is hidden');
  assert.ok(out.startsWith('login (secret) then (secret)(secret) and '), out);
  assert.ok(out.endsWith(' end; pw-1 is no secret'), out);
  // the same answers as with a few secrets (the short path), line by line
  for (const p of some) assert.is(redactText(`a ${p} b`, secrets), redactText(`a ${p} b`, [p]));
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) redactFields({ message: `line ${i} ${some[0]}`, n: i }, secrets);
  // 200 log lines after the first: no index is rebuilt (building it takes far longer than this)
  assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
});

test.run();
