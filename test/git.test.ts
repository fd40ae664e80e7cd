import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Checkout, createGit, ensureClone, fetchAndReset, gitEnv, headCommit, readSourcesAtRev } from '../reconciler/git.js';
import { createRemote, gitSync, tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function setup() {
  const root = tempDir();
  roots.push(root);
  return { root, remote: createRemote(root), checkout: join(root, 'checkout') };
}

test('gitEnv passes no inherited GIT_* variable and never prompts', () => {
  process.env.GIT_DIR = '/nonexistent';
  try {
    const env = gitEnv();
    assert.is(env.GIT_DIR, undefined);
    assert.is(env.GIT_TERMINAL_PROMPT, '0');
    assert.is(env.LANG, 'C.UTF-8');
  } finally {
    delete process.env.GIT_DIR;
  }
});

test('ensureClone + fetchAndReset follow the branch head, including a force-push', async () => {
  const { remote, checkout } = setup();
  const first = remote.commit({ 'extensions/site.yaml': 'profile: dev\n', 'README.md': 'hi\n' });
  const git = await ensureClone(remote.bare, checkout);
  assert.is(await fetchAndReset(git, 'main'), first);
  assert.is(await headCommit(git), first);

  const second = remote.commit({ 'extensions/6000.yaml': 'extension: 6000\n' });
  assert.is(await fetchAndReset(git, 'main'), second);

  const rewritten = remote.forcePush({ 'extensions/site.yaml': 'profile: production\n' });
  assert.is.not(rewritten, second);
  assert.is(await fetchAndReset(git, 'main'), rewritten);
  assert.is(await headCommit(git), rewritten);
  const files = await readSourcesAtRev(checkout, rewritten, 'extensions');
  assert.equal(files, [{ path: 'site.yaml', text: 'profile: production\n' }]);
});

test('fetch without reset leaves the work tree where it was', async () => {
  const { remote, checkout } = setup();
  const first = remote.commit({ 'extensions/site.yaml': 'a: 1\n' });
  const git = await ensureClone(remote.bare, checkout);
  await fetchAndReset(git, 'main');
  const second = remote.commit({ 'extensions/site.yaml': 'a: 2\n' });
  assert.is(await fetchAndReset(git, 'main', { reset: false }), second);
  assert.is(await headCommit(git), first);
});

test('locks left by a killed git (index.lock, a ref lock) do not block the next fetch and reset', async () => {
  const { remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const git = await ensureClone(remote.bare, checkout);
  await fetchAndReset(git, 'main');
  writeFileSync(join(checkout, '.git', 'index.lock'), '');
  writeFileSync(join(checkout, '.git', 'refs', 'remotes', 'origin', 'main.lock'), '');
  const next = remote.commit({ 'x.yaml': '2\n' });
  const again = await ensureClone(remote.bare, checkout);
  assert.is(await fetchAndReset(again, 'main'), next);
  assert.not.ok(existsSync(join(checkout, '.git', 'index.lock')));
});

test('a half-made .git (killed git init) is made again', async () => {
  const { remote, checkout } = setup();
  const head = remote.commit({ 'x.yaml': '1\n' });
  mkdirSync(join(checkout, '.git'), { recursive: true });
  const git = await ensureClone(remote.bare, checkout);
  assert.is(await fetchAndReset(git, 'main'), head);
  // HEAD written, config not yet
  rmSync(join(checkout, '.git'), { recursive: true, force: true });
  mkdirSync(join(checkout, '.git'), { recursive: true });
  writeFileSync(join(checkout, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  assert.is(await fetchAndReset(await ensureClone(remote.bare, checkout), 'main'), head);
});

test('ensureClone fixes a changed remote URL', async () => {
  const { root, remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  await ensureClone(join(root, 'elsewhere.git'), checkout);
  const git = await ensureClone(remote.bare, checkout);
  assert.is(await fetchAndReset(git, 'main'), remote.head());
});

test('a remote URL with a token is kept in a .git/config only the owner can read', async () => {
  const { remote, checkout } = setup();
  const head = remote.commit({ 'x.yaml': '1\n' });
  const config = join(checkout, '.git', 'config');
  // closed port on loopback: nothing here ever fetches from it
  const tokenUrl = (t: string) => `https://deploy:${t}@127.0.0.1:9/telephony/extensions.git`;
  // a checkout made from the local bare repository, as an older version left it: config 0644
  assert.is(await fetchAndReset(await ensureClone(remote.bare, checkout), 'main'), head);
  chmodSync(config, 0o644);
  await ensureClone(tokenUrl('Git-Url-Tok-Xq4r'), checkout); // the set-url path
  assert.ok(readFileSync(config, 'utf8').includes('Git-Url-Tok-Xq4r'), 'the remote URL was updated');
  assert.is(statSync(config).mode & 0o777, 0o600);
  // a fresh checkout (init + remote add) never has the token in a world-readable file
  const fresh = join(checkout, '..', 'fresh');
  await ensureClone(tokenUrl('Git-Url-Tok-Mb7w'), fresh);
  assert.ok(readFileSync(join(fresh, '.git', 'config'), 'utf8').includes('Git-Url-Tok-Mb7w'));
  assert.is(statSync(join(fresh, '.git', 'config')).mode & 0o777, 0o600);
});

test('an unreachable remote rejects (non-zero exit is an error)', async () => {
  const { root, checkout } = setup();
  const git = await ensureClone(join(root, 'no-such-remote.git'), checkout);
  try {
    await fetchAndReset(git, 'main');
    assert.unreachable('fetch should fail');
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, /no-such-remote|does not appear|not found|fatal/i);
  }
});

test('a missing branch rejects', async () => {
  const { remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const git = await ensureClone(remote.bare, checkout);
  try {
    await fetchAndReset(git, 'no-such-branch');
    assert.unreachable('fetch should fail');
  } catch (err) {
    assert.match((err as Error).message, /no-such-branch|couldn't find/i);
  }
});

test('readSourcesAtRev reads the YAML files of the folder and its subfolders, from git objects, byte-exact', async () => {
  const { remote, checkout } = setup();
  const text = '# ü ñ 中文\nextension: 6001\nname: "Zoë; #1"\n';
  const commit = remote.commit({
    'extensions/site.yaml': 'profile: dev\n',
    'extensions/6001.yaml': text,
    'extensions/notes.txt': 'not yaml\n',
    'extensions/sub/6002.yaml': 'nested\n',
    'extensions/.hidden/6003.yaml': 'hidden\n',
    'extensions/ä b.yaml': 'odd name\n',
    'README.md': 'readme\n',
  });
  const git = await ensureClone(remote.bare, checkout);
  await fetchAndReset(git, 'main', { reset: false });
  const files = await readSourcesAtRev(checkout, commit, 'extensions');
  assert.equal(files.map((f) => f.path), ['6001.yaml', 'site.yaml', 'sub/6002.yaml', 'ä b.yaml']);
  assert.is(files[0]!.text, text);
  // an older revision is still readable
  const later = remote.commit({ 'extensions/6001.yaml': null });
  await fetchAndReset(git, 'main', { reset: false });
  assert.equal((await readSourcesAtRev(checkout, later, 'extensions')).map((f) => f.path), ['site.yaml', 'sub/6002.yaml', 'ä b.yaml']);
  assert.is((await readSourcesAtRev(checkout, commit, 'extensions')).length, 4);
});

test('readSourcesAtRev on a missing folder rejects', async () => {
  const { remote, checkout } = setup();
  const commit = remote.commit({ 'README.md': 'x\n' });
  const git = await ensureClone(remote.bare, checkout);
  await fetchAndReset(git, 'main');
  try {
    await readSourcesAtRev(checkout, commit, 'extensions');
    assert.unreachable('should reject');
  } catch (err) {
    assert.match((err as Error).message, /no folder 'extensions'/);
  }
});

test('createGit rejects a failing command even with empty stderr', async () => {
  const { remote } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const git = createGit(remote.work);
  try {
    // `diff --quiet` exits 1 with no output when there are differences
    await git.raw(['diff', '--quiet', 'HEAD', '4b825dc642cb6eb9a060e54bf8d69288fbee4904']);
    assert.unreachable('should reject');
  } catch (err) {
    assert.match((err as Error).message, /exited with code 1|git/);
  }
});

/** Every git command this process starts from now on is logged (a `git` first on PATH that logs and runs the real one). */
function logGitCommands(root: string): { commands(): string[]; restore(): void } {
  const bin = join(root, 'bin');
  const log = join(root, 'git-commands.log');
  mkdirSync(bin, { recursive: true });
  const which = process.env.PATH!.split(':').map((d) => join(d, 'git')).find((p) => existsSync(p))!;
  // one line per command, its arguments separated by \x1f
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a; do printf '%s\\037' "$a"; done >> '${log}'\necho >> '${log}'\nexec '${which}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  writeFileSync(log, '');
  const before = process.env.PATH;
  process.env.PATH = `${bin}:${before}`;
  return {
    // without the leading `-c name=value` pairs
    commands: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
      const args = l.split('\x1f').slice(0, -1);
      while (args[0] === '-c') args.splice(0, 2);
      return args.join(' ');
    }),
    restore: () => { process.env.PATH = before; },
  };
}

test('Checkout: the first update makes sure of the checkout; with nothing new, later ones run git fetch and nothing else', async () => {
  const { root, remote, checkout } = setup();
  const first = remote.commit({ 'extensions/x.yaml': '1\n' });
  const spy = logGitCommands(root);
  try {
    const c = new Checkout();
    assert.is(await c.update(remote.bare, checkout, 'main'), first);
    assert.ok(spy.commands().some((l) => l.startsWith('remote')), 'the first update checks the origin URL');
    assert.ok(spy.commands().some((l) => l.startsWith('reset --hard')), 'and resets a fresh checkout');
    writeFileSync(join(root, 'git-commands.log'), '');
    // a hand edit in the work tree is no reason for a reset: the pass reads git objects
    writeFileSync(join(checkout, 'extensions', 'x.yaml'), 'edited\n');
    assert.is(await c.update(remote.bare, checkout, 'main'), first);
    assert.is(await c.update(remote.bare, checkout, 'main'), first);
    assert.equal(spy.commands().map((l) => l.split(' ')[0]), ['fetch', 'fetch']);
    assert.is(readFileSync(join(checkout, 'extensions', 'x.yaml'), 'utf8'), 'edited\n');
    // the branch moved: rev-parse and reset again, HEAD follows
    const second = remote.commit({ 'extensions/x.yaml': '2\n' });
    writeFileSync(join(root, 'git-commands.log'), '');
    assert.is(await c.update(remote.bare, checkout, 'main'), second);
    assert.equal(spy.commands().map((l) => l.split(' ')[0]), ['fetch', 'rev-parse', 'reset']);
    assert.is(await headCommit(createGit(checkout)), second);
    assert.is(readFileSync(join(checkout, 'extensions', 'x.yaml'), 'utf8'), '2\n');
  } finally {
    spy.restore();
  }
});

test('Checkout: a force-push resets; a dry run fetches without moving HEAD, and the next update resets', async () => {
  const { remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const c = new Checkout();
  await c.update(remote.bare, checkout, 'main');
  const rewritten = remote.forcePush({ 'x.yaml': 'rewritten\n' });
  assert.is(await c.update(remote.bare, checkout, 'main'), rewritten);
  assert.is(await headCommit(createGit(checkout)), rewritten);
  const next = remote.commit({ 'x.yaml': '3\n' });
  assert.is(await c.update(remote.bare, checkout, 'main', { reset: false }), next);
  assert.is(await headCommit(createGit(checkout)), rewritten, 'a dry run leaves HEAD');
  assert.is(await c.update(remote.bare, checkout, 'main', { reset: false }), next, 'asked again: still the branch head');
  assert.is(await c.update(remote.bare, checkout, 'main'), next);
  assert.is(await headCommit(createGit(checkout)), next);
});

test('Checkout: a changed remote URL is applied on the next update', async () => {
  const { root, remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const other = createRemote(join(root, 'other'));
  const elsewhere = other.commit({ 'x.yaml': 'other\n' });
  const c = new Checkout();
  await c.update(remote.bare, checkout, 'main');
  assert.is(await c.update(other.bare, checkout, 'main'), elsewhere);
  assert.is(gitSync(checkout, ['remote', 'get-url', 'origin']), other.bare);
});

test('Checkout: lock files a killed git left are cleared on the first update and on the one after a failure', async () => {
  const { remote, checkout } = setup();
  remote.commit({ 'x.yaml': '1\n' });
  const c = new Checkout();
  await c.update(remote.bare, checkout, 'main');
  const refLock = join(checkout, '.git', 'refs', 'remotes', 'origin', 'main.lock');
  writeFileSync(refLock, '');
  const next = remote.commit({ 'x.yaml': '2\n' });
  // this process did not see the git that left it: the fetch cannot update the ref
  try {
    await c.update(remote.bare, checkout, 'main');
    assert.unreachable('the fetch should fail on the lock');
  } catch (err) {
    assert.match((err as Error).message, /lock/i);
  }
  // after a failure the checkout is made sure of again: the stale lock goes
  assert.is(await c.update(remote.bare, checkout, 'main'), next);
  assert.not.ok(existsSync(refLock));
  // a new process (a new Checkout) clears them before its first fetch
  writeFileSync(join(checkout, '.git', 'index.lock'), '');
  writeFileSync(refLock, '');
  const third = remote.commit({ 'x.yaml': '3\n' });
  assert.is(await new Checkout().update(remote.bare, checkout, 'main'), third);
  assert.not.ok(existsSync(join(checkout, '.git', 'index.lock')));
});

test('Checkout: a .git removed by hand is made again, never a repository further up', async () => {
  const { remote, checkout } = setup();
  const head = remote.commit({ 'x.yaml': '1\n' });
  const c = new Checkout();
  await c.update(remote.bare, checkout, 'main');
  rmSync(join(checkout, '.git'), { recursive: true, force: true });
  assert.is(await c.update(remote.bare, checkout, 'main'), head);
  assert.ok(existsSync(join(checkout, '.git', 'HEAD')));
});

test.run();
