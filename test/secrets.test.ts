import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AuthSource } from '../compiler/types.js';
import { decryptArmored, encryptPassword, generateAgeIdentity, parseIdentities, recipientsOf } from '../reconciler/secrets/age.js';
import { generatePassword } from '../reconciler/secrets/generate.js';
import { makeSecretResolver, openSecretStore, prepareSecrets, resolveOrGenerate } from '../reconciler/secrets/store.js';
import { authSourcesOf, createSecretResolver } from '../reconciler/secrets/resolver.js';
import { compile } from '../compiler/compile.js';
import { runCliInProcess } from './helpers/cli.js';
import { site, ext } from './helpers/site.js';

const PLANTED = 'Pl4nted-Secret-q7Zx';
const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-secrets-'));
let n = 0;
const fresh = (name: string): string => join(dir, `${n++}-${name}`);
const mode = (p: string): number => statSync(p).mode & 0o777;

function privateFile(name: string, text: string, m = 0o600): string {
  const p = fresh(name);
  writeFileSync(p, text);
  chmodSync(p, m);
  return p;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function cli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliInProcess(['secrets', ...args], { input: input ?? '' });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('generatePassword: long, random, only letters and digits', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassword();
    assert.ok(p.length >= 20);
    assert.match(p, /^[A-Za-z0-9]+$/);
    seen.add(p);
  }
  assert.is(seen.size, 200);
  assert.is(generatePassword(32).length, 32);
  assert.throws(() => generatePassword(8));
});

test('a secrets file group or world can read is refused with the chmod to run', async () => {
  for (const m of [0o644, 0o640, 0o604]) {
    const p = privateFile('secrets.yaml', `"6001": "${PLANTED}"\n`, m);
    const err = await rejection(openSecretStore(p));
    assert.match(err.message, `chmod 600 ${p}`);
    assert.not.match(err.message, PLANTED);
  }
});

test('a missing file is an error unless asked to create it; generation is stored 0600', async () => {
  const p = fresh('secrets.yaml');
  assert.match((await rejection(openSecretStore(p))).message, 'no such file');
  const store = await openSecretStore(p, { createIfMissing: true });
  const first = await resolveOrGenerate(store, '6001');
  assert.ok(first.generated);
  assert.is(mode(p), 0o600);
  const again = await resolveOrGenerate(await openSecretStore(p), '6001');
  assert.equal(again, { password: first.password, generated: false });
  assert.equal((await openSecretStore(p)).names(), ['6001']);
});

test('values must be strings; errors name the key, never the value', async () => {
  const num = privateFile('secrets.yaml', '"6001": 0755\n');
  assert.match((await rejection(openSecretStore(num))).message, "'6001' must be a quoted string");
  const broken = privateFile('secrets.yaml', `"6001": "${PLANTED}\n"6002": x: y\n`);
  const err = await rejection(openSecretStore(broken));
  assert.match(err.message, /line \d+/);
  assert.not.match(err.message, PLANTED);
  const dup = privateFile('secrets.json', `{"a": "${PLANTED}", "a": "x"}`);
  assert.not.match((await rejection(openSecretStore(dup))).message, PLANTED);
  const json = privateFile('secrets.json', `{"6001": "${PLANTED}"}`);
  assert.is((await openSecretStore(json)).get('6001'), PLANTED);
});

test('age: round trip with a generated identity, several recipients, wrong identity refused', async () => {
  const host = await generateAgeIdentity(new Date(0));
  const spare = await generateAgeIdentity(new Date(0));
  const stranger = await generateAgeIdentity(new Date(0));
  assert.match(host.fileText, /^# created: 1970-01-01T00:00:00.000Z\n# public key: age1[0-9a-z]+\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
  assert.equal(await recipientsOf(host.fileText), [host.recipient]);
  assert.equal(parseIdentities(`# c\n\n${host.identity}\n${spare.identity}\n`), [host.identity, spare.identity]);

  const armored = await encryptPassword(`${PLANTED} ;#"`, [host.recipient, spare.recipient]);
  assert.match(armored, /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  assert.not.match(armored, PLANTED);
  assert.is(await decryptArmored(armored, host.fileText), `${PLANTED} ;#"`);
  assert.is(await decryptArmored(`\n  ${armored}\n`, spare.fileText), `${PLANTED} ;#"`);

  const err = await rejection(decryptArmored(armored, stranger.fileText));
  assert.match(err.message, 'cannot open the sealed password');
  assert.not.match(err.message, stranger.identity);
  assert.match((await rejection(decryptArmored('hello', host.fileText))).message, 'not an age armored file');
  assert.match((await rejection(encryptPassword('x', ['ssh-ed25519 AAAA']))).message, 'not an age recipient');
  assert.match((await rejection(encryptPassword('x', []))).message, 'no age recipients');
});

test('prepareSecrets: plaintext, stored, generated and sealed passwords; failures reported', async () => {
  const host = await generateAgeIdentity(new Date(0));
  const stranger = await generateAgeIdentity(new Date(0));
  const p = privateFile('secrets.yaml', `"6001": "${PLANTED}"\n`);
  const store = await openSecretStore(p);
  const sealed = await encryptPassword('sealed-pass-6003', [host.recipient]);
  const foreign = await encryptPassword('other', [stranger.recipient]);
  const sources: { extension: string; auth: AuthSource }[] = [
    { extension: '6000', auth: { kind: 'password', value: 'Maja1234' } },
    { extension: '6001', auth: { kind: 'secret', name: '6001' } },
    { extension: '6002', auth: { kind: 'secret', name: '6002' } },
    { extension: '6003', auth: { kind: 'encrypted', armored: sealed } },
    { extension: '6004', auth: { kind: 'encrypted', armored: foreign } },
  ];
  const resolve = await prepareSecrets(sources, store, host.fileText);
  const got = sources.map((s) => resolve(s.auth, s.extension));
  assert.is(got[0], 'Maja1234');
  assert.is(got[1], PLANTED);
  assert.match(got[2]!, /^[A-Za-z0-9]{24}$/);
  assert.is(got[3], 'sealed-pass-6003');
  assert.is(got[4], undefined);
  assert.equal(resolve.report.generated, ['6002']);
  assert.equal(resolve.report.unresolved.map((u) => u.extension), ['6004']);
  assert.not.match(JSON.stringify(resolve.report), PLANTED);
  // the generated password is saved before anything is deployed with it
  assert.is((await openSecretStore(p)).get('6002'), got[2]);
  assert.is(mode(p), 0o600);

  const noIdentity = await prepareSecrets(sources.slice(3, 4), store);
  assert.is(noIdentity(sources[3]!.auth, '6003'), undefined);
  assert.match(noIdentity.report.unresolved[0]!.reason, 'no age identity');
  assert.is(makeSecretResolver(store)({ kind: 'secret', name: 'nope' }, '7000'), undefined);
});

test('secrets get prints one password; nothing else ever prints it', async () => {
  const p = privateFile('secrets.yaml', `"6001": "${PLANTED}"\n"6002": "other"\n`);
  const ok = await cli(['get', '6001', '--file', p]);
  assert.equal(ok, { code: 0, stdout: `${PLANTED}\n`, stderr: '' });

  const missing = await cli(['get', '7000', '--file', p]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, "no secret named '7000'");

  chmodSync(p, 0o644);
  const open = await cli(['get', '6001', '--file', p]);
  assert.is(open.code, 1);
  assert.match(open.stderr, `chmod 600 ${p}`);

  const usage = await cli(['get', '--file', p]);
  assert.is(usage.code, 2);
  assert.is((await cli(['get', '--help'])).code, 0);
  assert.is((await cli(['frobnicate'])).code, 2);
  assert.is((await cli(['get', '6001', '--file', p, '--bogus'])).code, 2);
  for (const r of [missing, open, usage]) assert.not.match(r.stdout + r.stderr, PLANTED);
  assert.not.match(ok.stderr, PLANTED);
});

test('secrets keygen + encrypt: the pasted YAML opens on the host; the password is never printed', async () => {
  const identityPath = fresh('age-identity.txt');
  const kg = await cli(['keygen', '--out', identityPath]);
  assert.is(kg.code, 0, kg.stderr);
  assert.is(mode(identityPath), 0o600);
  const identityText = readFileSync(identityPath, 'utf8');
  assert.equal(await recipientsOf(identityText), [kg.stdout.trim()]);
  assert.not.match(kg.stdout + kg.stderr, 'AGE-SECRET-KEY');
  assert.is((await cli(['keygen', '--out', identityPath])).code, 1);
  assert.is(readFileSync(identityPath, 'utf8'), identityText);
  const rcp = await cli(['recipient', '--identity', identityPath]);
  assert.equal(rcp, { code: 0, stdout: kg.stdout, stderr: '' });

  const site = fresh('site.yaml');
  writeFileSync(site, `profile: production\nage_recipients:\n  - ${kg.stdout.trim()}\n`);
  const runs = [
    await cli(['encrypt', '--recipient', kg.stdout.trim()], `${PLANTED}\n`),
    await cli(['encrypt', '--site', site], `${PLANTED}\r\n`),
  ];
  for (const r of runs) {
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stdout + r.stderr, PLANTED);
    assert.match(r.stdout, /^auth:\n {2}encrypted: \|\n {4}-----BEGIN AGE ENCRYPTED FILE-----\n/);
    const doc = parseYaml(r.stdout) as { auth: { encrypted: string } };
    assert.is(await decryptArmored(doc.auth.encrypted, identityText), PLANTED);
  }

  const twoLines = await cli(['encrypt', '--site', site], `${PLANTED}\nmore\n`);
  assert.is(twoLines.code, 1);
  const empty = await cli(['encrypt', '--site', site], '');
  assert.is(empty.code, 1);
  const noRecipients = await cli(['encrypt'], `${PLANTED}\n`);
  assert.is(noRecipients.code, 2);
  const badSite = fresh('site.yaml');
  writeFileSync(badSite, 'profile: dev\n');
  const bad = await cli(['encrypt', '--site', badSite], `${PLANTED}\n`);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, 'age_recipients');
  for (const r of [twoLines, empty, noRecipients, bad]) assert.not.match(r.stdout + r.stderr, PLANTED);
});

async function hostFixture() {
  const host = await generateAgeIdentity(new Date(0));
  const identityPath = privateFile('age-identity.txt', host.fileText);
  const secretsPath = privateFile('secrets.yaml', `"6010": "${PLANTED}"\n`);
  const sealed = await encryptPassword('Sealed-6011-pass-xyz', [host.recipient]);
  const block = `\n  encrypted: |\n${sealed.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const sources = site({
    '6010.yaml': ext(6010, '', '{ secret: "6010" }'),
    '6011.yaml': ext(6011, '', block),
    '6012.yaml': ext(6012, '', '{ secret: "6012" }'),
  });
  return { host, identityPath, secretsPath, sources };
}

test('authSourcesOf reads every extension auth, skipping site.yaml', async () => {
  const { sources } = await hostFixture();
  const got = authSourcesOf(sources);
  assert.equal(got.map((a) => [a.extension, a.auth.kind]), [['6000', 'password'], ['6010', 'secret'], ['6011', 'encrypted'], ['6012', 'secret']]);
});

test('host resolver: the compiler gets stored, generated and sealed passwords; nothing before prepare', async () => {
  const { identityPath, secretsPath, sources } = await hostFixture();
  const resolver = await createSecretResolver({ file: secretsPath, ageIdentity: identityPath });
  // before prepare nothing has been read: a compile could only write placeholders, never deploy
  assert.is(resolver({ kind: 'secret', name: '6010' }, '6010'), undefined);
  await resolver.prepare(sources);
  const r = compile(sources, { secrets: resolver });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
  if (!r.ok) return;
  assert.ok(r.deployable);
  assert.match(r.conf, PLANTED);
  assert.match(r.conf, 'Sealed-6011-pass-xyz');
  assert.not.match(r.redacted, PLANTED);
  assert.equal(resolver.report.generated, ['6012']);
  const generated = (await openSecretStore(secretsPath)).get('6012')!;
  assert.match(r.conf, generated);
  assert.is(mode(secretsPath), 0o600);
});

test('host resolver with prepare; file edits are picked up; an open file mode leaves passwords unresolved', async () => {
  const { identityPath, secretsPath, sources } = await hostFixture();
  const resolver = await createSecretResolver({ file: secretsPath, ageIdentity: identityPath });
  const report = await resolver.prepare(sources);
  assert.equal(report.generated, ['6012']);
  assert.is(resolver({ kind: 'secret', name: '6010' }, '6010'), PLANTED);

  writeFileSync(secretsPath, `"6010": "changed-by-admin-123456"\n"6012": "x"\n`);
  chmodSync(secretsPath, 0o600);
  await resolver.prepare(sources);
  assert.is(resolver({ kind: 'secret', name: '6010' }, '6010'), 'changed-by-admin-123456');

  chmodSync(secretsPath, 0o644);
  const refused = await resolver.prepare(sources);
  // known before the compile runs
  assert.equal(refused.unresolved.map((u) => u.extension), ['6010', '6012']);
  assert.match(refused.unresolved[0]!.reason, `chmod 600 ${secretsPath}`);
  assert.is(resolver({ kind: 'secret', name: '6010' }, '6010'), undefined);
  const r = compile(sources, { secrets: resolver });
  assert.ok(r.ok && !r.deployable);
  assert.not.match(JSON.stringify(resolver.report), PLANTED);

  const noIdentity = await createSecretResolver({ file: privateFile('secrets-empty.yaml', '') });
  const sealed = authSourcesOf(sources).find((a) => a.auth.kind === 'encrypted')!;
  await noIdentity.prepare(sources);
  assert.is(noIdentity(sealed.auth, '6011'), undefined);
  assert.match(noIdentity.report.unresolved[0]!.reason, 'no age identity');

  const stranger = await generateAgeIdentity(new Date(0));
  const wrongHost = await createSecretResolver({ file: privateFile('secrets-empty2.yaml', ''), ageIdentity: privateFile('other-identity.txt', stranger.fileText) });
  const rep = await wrongHost.prepare(sources);
  assert.equal(rep.unresolved.map((u) => u.extension), ['6011']);
  assert.match(rep.unresolved[0]!.reason, 'cannot open the sealed password');
  assert.is(wrongHost(sealed.auth, '6011'), undefined);
});

test.run();
