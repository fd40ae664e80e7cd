// The live path is a regular file, or the pass says why not: real FIFOs, directories, sockets,
// devices and symlinks at the live path (and at the secrets file). Every case must end by itself:
// each call is raced against a generous bound only so that a hang fails instead of stalling the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassError } from '../reconciler/errors.ts';
import { openSecretStore, SecretsFileError } from '../reconciler/secrets/store.ts';
import { PrivateFileError, readPrivateFile } from '../reconciler/secrets/private-file.ts';
import { LocalTarget } from '../reconciler/targets/local.ts';
import { MAX_FILE_BYTES } from '../reconciler/io/regular-file.ts';
import { createFakeAsterisk } from './helpers/fake-asterisk.ts';
import { createRemote, tempDir } from './helpers/git.ts';

const cleanups: (() => void | Promise<void>)[] = [];
test.after(async () => { for (const c of cleanups.reverse()) await c(); });
const local = new LocalTarget();

function root(): string {
  const d = tempDir('pjsip-gitops-files-');
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', ['-m', '0640', path], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
}

/** the settled outcome of `p`; a hang beyond the bound fails the test instead of stalling it */
async function outcome<T>(p: Promise<T>, boundMs = 20_000): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('HUNG: did not end by itself')), boundMs); });
  try {
    return { value: await Promise.race([p, hang]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('HUNG')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

function assertRefused(o: { error?: unknown }, reason: string): void {
  assert.instance(o.error, PassError, String(o.error));
  assert.is((o.error as PassError).kind, 'stalled');
  assert.is((o.error as PassError).reason, reason);
}

async function socketAt(path: string): Promise<void> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(path, () => r()));
  cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
}

// ---- reading the live file

const notRegular: [string, (path: string) => Promise<void> | void][] = [
  ['a FIFO', (p) => mkfifo(p)],
  ['a directory', (p) => mkdirSync(p)],
  ['a unix socket', (p) => socketAt(p)],
  ['a symlink to a character device (/dev/null)', (p) => symlinkSync('/dev/null', p)],
  ['a symlink to a FIFO', (p) => { mkfifo(`${p}.fifo`); symlinkSync(`${p}.fifo`, p); }],
];

for (const [name, make] of notRegular) {
  test(`read and write of the live file refuse ${name} (stalled LiveFileNotRegular), and end`, async () => {
    const path = join(root(), 'pjsip_wizard.conf');
    await make(path);
    const before = lstatSync(path);
    assertRefused(await outcome(local.readFile(path)), 'LiveFileNotRegular');
    assertRefused(await outcome(local.writeFileAtomic(path, Buffer.from('[6000]\n'), 0o640)), 'LiveFileNotRegular');
    const after = lstatSync(path);
    assert.equal([after.ino, after.mode], [before.ino, before.mode], 'left as it was');
  });
}

test('a character device made with mknod (root) is refused before it is opened', async () => {
  if (process.getuid?.() !== 0) return; // mknod needs root; the /dev/null symlink case covers devices otherwise
  const path = join(root(), 'pjsip_wizard.conf');
  assert.is(spawnSync('mknod', [path, 'c', '1', '5']).status, 0); // /dev/zero's numbers: a read never ends
  assertRefused(await outcome(local.readFile(path)), 'LiveFileNotRegular');
});

test('a live file larger than the cap is refused (LiveFileTooLarge) without reading it', async () => {
  const path = join(root(), 'pjsip_wizard.conf');
  writeFileSync(path, '');
  truncateSync(path, MAX_FILE_BYTES + 1); // sparse: costs no disk
  assertRefused(await outcome(local.readFile(path)), 'LiveFileTooLarge');
});

// ---- symlinks: written through

test('a symlink at the live path: read through it; the write goes to its target, the link stays, owner and mode kept', async () => {
  const dir = root();
  mkdirSync(join(dir, 'cm'));
  mkdirSync(join(dir, 'etc'));
  const target = join(dir, 'cm', 'pjsip_wizard.conf');
  const live = join(dir, 'etc', 'pjsip_wizard.conf');
  writeFileSync(target, '[old]\n');
  chmodSync(target, 0o604);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(target, 4321, 4322);
  symlinkSync('../cm/pjsip_wizard.conf', live); // relative, with '..', as `ln -s` makes them
  assert.equal(await local.readFile(live), Buffer.from('[old]\n'));
  await local.writeFileAtomic(live, Buffer.from('[new]\n'), 0o640);
  assert.ok(lstatSync(live).isSymbolicLink(), 'the link stays a link');
  assert.is(readlinkSync(live), '../cm/pjsip_wizard.conf');
  assert.is(readFileSync(target, 'utf8'), '[new]\n');
  const st = statSync(target);
  assert.is(st.mode & 0o7777, 0o604, 'the target keeps its mode');
  if (asRoot) assert.equal([st.uid, st.gid], [4321, 4322], 'the target keeps its owner');
  assert.equal(readdirSync(join(dir, 'cm')), ['pjsip_wizard.conf'], 'no temp file left beside the target');
  assert.equal(readdirSync(join(dir, 'etc')), ['pjsip_wizard.conf'], 'nothing written beside the link');
});

test('a chain of links and a dangling link: the file at the end of the chain is written, every link stays', async () => {
  const dir = root();
  const end = join(dir, 'real.conf');
  symlinkSync(end, join(dir, 'middle'));
  symlinkSync(join(dir, 'middle'), join(dir, 'pjsip_wizard.conf'));
  assert.is(await local.readFile(join(dir, 'pjsip_wizard.conf')), null, 'a dangling chain reads as no file yet');
  await local.writeFileAtomic(join(dir, 'pjsip_wizard.conf'), Buffer.from('[6000]\n'), 0o640);
  assert.ok(lstatSync(join(dir, 'pjsip_wizard.conf')).isSymbolicLink());
  assert.ok(lstatSync(join(dir, 'middle')).isSymbolicLink());
  assert.is(readFileSync(end, 'utf8'), '[6000]\n');
  assert.is(statSync(end).mode & 0o777, 0o640, 'a new file gets the configured mode');
});

// ---- the pass: a FIFO or a directory at the live path stalls it, promptly, with the reason

function applyLayout() {
  const dir = root();
  const remote = createRemote(dir);
  const files: Record<string, string> = {};
  const ext = new URL('../extensions/', import.meta.url);
  for (const name of readdirSync(ext)) files[`extensions/${name}`] = readFileSync(new URL(name, ext), 'utf8');
  remote.commit(files, 'the shipped extensions');
  const live = join(dir, 'pjsip_wizard.conf');
  const fake = createFakeAsterisk({ confPath: live });
  cleanups.push(() => fake.cleanup());
  const config = join(dir, 'reconciler.yaml');
  writeFileSync(config, [
    `source: { repo: ${JSON.stringify(remote.bare)}, interval: 1h, jitter: 0 }`,
    `target: { kind: local, liveFile: ${JSON.stringify(live)}, mode: '0640' }`,
    `asterisk: { cli: [${JSON.stringify(fake.bin)}, -rx], reload: ${JSON.stringify(fake.reloadArgv)}, timeout: 30s }`,
    `stateDir: ${JSON.stringify(join(dir, 'state'))}`,
    '',
  ].join('\n'));
  return { live, config, fake };
}

for (const [name, make] of [['a FIFO', mkfifo], ['a directory', (p: string) => mkdirSync(p)]] as const) {
  test(`apply with ${name} at the live path: Stalled LiveFileNotRegular, exit 1, nothing reloaded, the lock released`, async () => {
    const env = applyLayout();
    make(env.live);
    const apply = () => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'apply', '--config', env.config, '--format', 'json', '-q'],
      { encoding: 'utf8', timeout: 120_000 });
    const r = apply();
    assert.is(r.signal, null, 'ended by itself');
    const result = JSON.parse(r.stdout) as { condition: string; reason: string; transient: boolean };
    assert.equal([result.condition, result.reason, result.transient], ['Stalled', 'LiveFileNotRegular', false], r.stderr);
    assert.is(r.status, 1);
    assert.is(await env.fake.reloadCount(), 0);
    assert.is(JSON.parse(apply().stdout).reason, 'LiveFileNotRegular', 'the next apply takes the lock again');
  });
}

// ---- the secrets file

test('a FIFO as the secrets file is refused, promptly, and named in the error', async () => {
  const path = join(root(), 'secrets.yaml');
  mkfifo(path);
  chmodSync(path, 0o600);
  const o = await outcome(openSecretStore(path));
  assert.instance(o.error, SecretsFileError);
  const p = await outcome(readPrivateFile(path));
  assert.instance(p.error, PrivateFileError);
  assert.is((p.error as PrivateFileError).problem, 'not-regular');
});

test('a secrets file larger than any real one is refused, not read whole', async () => {
  const path = join(root(), 'secrets.yaml');
  writeFileSync(path, '', { mode: 0o600 });
  truncateSync(path, 16 * 1024 * 1024 + 1); // sparse
  const p = await outcome(readPrivateFile(path));
  assert.instance(p.error, PrivateFileError);
  assert.is((p.error as PrivateFileError).problem, 'too-large');
});

test.run();
