import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureError, verifyCommit, verifyCommitSignature, type SignatureVerdict } from '../reconciler/signature.js';

const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-sig-'));
const repo = join(dir, 'repo');
const allowed = join(dir, 'allowed_signers');
const gpgOwner = join(dir, 'gpg-owner');
const gpgStranger = join(dir, 'gpg-stranger');
const gpgImported = join(dir, 'gpg-imported');
const gpgTrusted = join(dir, 'gpg-trusted');
const commits: Record<string, string> = {};

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com',
  ...extra,
});
const git = (args: string[], extra: Record<string, string> = {}): string =>
  execFileSync('git', ['-C', repo, ...args], { env: env(extra), encoding: 'utf8' }).trim();
const gpg = (home: string, args: string[], input?: string): string =>
  execFileSync('gpg', ['--batch', '--homedir', home, ...args], { env: env(), encoding: 'utf8', input, stdio: 'pipe' });

function commit(name: string, sign: string[] = [], extra: Record<string, string> = {}): void {
  writeFileSync(join(repo, `${name}.yaml`), `extension: ${name}\n`);
  git(['add', '.']);
  git([...sign, 'commit', '-q', ...(sign.length ? ['-S'] : []), '-m', name], extra);
  commits[name] = git(['rev-parse', 'HEAD']);
}

const ssh = (key: string): string[] => ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`];

test.before(() => {
  for (const who of ['alice', 'mallory']) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', who, '-f', join(dir, who)]);
  }
  writeFileSync(allowed, `alice@example.com ${readFileSync(join(dir, 'alice.pub'), 'utf8')}`);
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: env() });
  commit('unsigned');
  commit('alice', ssh(join(dir, 'alice')));
  commit('mallory', ssh(join(dir, 'mallory')));
  // the same signature over a changed message: a forged commit
  const raw = git(['cat-file', 'commit', commits.alice!]) + '\n';
  commits.forged = execFileSync('git', ['-C', repo, 'hash-object', '-t', 'commit', '-w', '--stdin'],
    { env: env(), input: raw.replace(/\nalice\n$/, '\nalice, with a new password\n'), encoding: 'utf8' }).trim();

  for (const home of [gpgOwner, gpgStranger, gpgImported, gpgTrusted]) mkdirSync(home, { mode: 0o700 });
  gpg(gpgOwner, ['--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'Alice <alice@example.com>', 'ed25519', 'sign', 'never']);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(gpgOwner, ['--with-colons', '--list-secret-keys']))![1]!;
  const publicKey = gpg(gpgOwner, ['--armor', '--export', fpr]);
  gpg(gpgImported, ['--import'], publicKey);
  // the way an admin trusts a committer's key on the host: import it, then set its owner trust
  gpg(gpgTrusted, ['--import'], publicKey);
  gpg(gpgTrusted, ['--import-ownertrust'], `${fpr}:6:\n`);
  commit('gpg', ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${fpr}`], { GNUPGHOME: gpgOwner });
});

test.after(() => {
  for (const home of [gpgOwner, gpgStranger, gpgImported, gpgTrusted]) {
    try { execFileSync('gpgconf', ['--kill', 'all'], { env: env({ GNUPGHOME: home }) }); } catch { /* no agent */ }
  }
  rmSync(dir, { recursive: true, force: true });
});

const fail = (v: SignatureVerdict): Extract<SignatureVerdict, { ok: false }> => {
  if (v.ok) throw new Error(`expected a refusal, got signer ${v.signer}`);
  return v;
};

test('SSH: a commit signed by an allowed signer is accepted, naming the principal', async () => {
  const v = await verifyCommit(repo, commits.alice!, { allowedSignersFile: allowed });
  assert.ok(v.ok);
  assert.is(v.ok && v.signer, 'alice@example.com');
  assert.match(v.ok ? v.key : '', /^SHA256:/);
});

test('SSH: verdicts for unsigned, unknown signer and forged commits', async () => {
  const cfg = { allowedSignersFile: allowed };
  const table: [string, string][] = [['unsigned', 'unsigned'], ['mallory', 'untrusted-signer'], ['forged', 'bad-signature']];
  for (const [name, want] of table) {
    const v = fail(await verifyCommit(repo, commits[name]!, cfg));
    assert.is(v.reason, want, `${name}: ${v.detail}`);
  }
  const m = fail(await verifyCommit(repo, commits.mallory!, cfg));
  assert.match(m.key ?? '', /^SHA256:/);
});

test('SSH-signed commit without an allowed signers file is not taken for unsigned', async () => {
  const v = fail(await verifyCommit(repo, commits.alice!, { gpgHome: gpgStranger }));
  assert.is(v.reason, 'untrusted-signer');
  const missing = await verifyCommit(repo, 'HEAD', { allowedSignersFile: join(dir, 'nope') }).then(() => 'resolved', (e: Error) => e.message);
  assert.match(missing, 'missing or unreadable');
  const noConfig = await verifyCommit(repo, 'HEAD', {}).then(() => 'resolved', (e: Error) => e.message);
  assert.match(noConfig, 'needs allowedSignersFile or gpgHome');
  const noRev = await verifyCommit(repo, 'no-such-branch', { allowedSignersFile: allowed }).then(() => 'resolved', (e: Error) => e.message);
  assert.match(noRev, 'no commit');
  const option = await verifyCommit(repo, '--all', { allowedSignersFile: allowed }).then(() => 'resolved', (e: Error) => e.message);
  assert.match(option, 'not a revision');
});

test('OpenPGP: trusted key accepted; unknown or untrusted key refused; unsigned stays unsigned', async () => {
  const ok = await verifyCommit(repo, commits.gpg!, { gpgHome: gpgOwner });
  assert.ok(ok.ok, ok.ok ? '' : ok.detail);
  assert.is(ok.ok && ok.signer, 'Alice <alice@example.com>');
  assert.is(fail(await verifyCommit(repo, commits.gpg!, { gpgHome: gpgStranger })).reason, 'untrusted-signer');
  assert.is(fail(await verifyCommit(repo, commits.gpg!, { gpgHome: gpgImported })).reason, 'untrusted-signer');
  assert.ok((await verifyCommit(repo, commits.gpg!, { gpgHome: gpgTrusted })).ok);
  assert.is(fail(await verifyCommit(repo, commits.unsigned!, { gpgHome: gpgOwner })).reason, 'unsigned');
  // both configured: each kind checked against its own trust
  const both = { gpgHome: gpgOwner, allowedSignersFile: allowed };
  assert.ok((await verifyCommit(repo, commits.alice!, both)).ok);
  assert.ok((await verifyCommit(repo, commits.gpg!, both)).ok);
  assert.is(fail(await verifyCommit(repo, commits.mallory!, both)).reason, 'untrusted-signer');
});

test('verifyCommitSignature: resolves for a trusted commit, throws a SignatureError naming why otherwise', async () => {
  const cfg = { allowedSignersFile: allowed };
  assert.is((await verifyCommitSignature(repo, commits.alice!, cfg)).signer, 'alice@example.com');
  const err = await verifyCommitSignature(repo, commits.mallory!, cfg).then(() => undefined, (e: unknown) => e);
  assert.instance(err, SignatureError);
  assert.is((err as SignatureError).verdict.reason, 'untrusted-signer');
  assert.match((err as Error).message, /^untrusted-signer: commit [0-9a-f]{12}/);
});

test.run();
