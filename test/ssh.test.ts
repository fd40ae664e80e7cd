import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { classifySshError, PassError } from '../reconciler/errors.js';
import { connectSsh, shellQuote, SshError, type SshTarget, type SshTargetConfig } from '../reconciler/targets/ssh.js';
import { startSshd, type Sshd } from './helpers/sshd.js';
import { createFakeAsterisk, fakeProcesses, type FakeAsterisk } from './helpers/fake-asterisk.js';
import { compile } from '../compiler/compile.js';
import { site } from './helpers/site.js';

let sshd: Sshd;
let fallbackSshd: Sshd;
const open: SshTarget[] = [];
const fakes: FakeAsterisk[] = [];

const cfgFor = (s: Sshd, extra: Partial<SshTargetConfig> = {}): SshTargetConfig => ({
  host: s.host, port: s.port, user: s.user, privateKeyPath: s.clientKeyPath,
  hostKeyFingerprint: s.hostKeyFingerprint, connectTimeoutMs: 5000, ...extra,
});

async function connect(s: Sshd = sshd): Promise<SshTarget> {
  const t = await connectSsh(cfgFor(s));
  open.push(t);
  return t;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const temps = (dir: string): string[] => readdirSync(dir).filter((n) => n.includes('.pjsip-gitops-'));

test.before(async () => {
  sshd = await startSshd();
  fallbackSshd = await startSshd({ sftpDeniedRequests: ['posix-rename@openssh.com'] });
});

test.after(async () => {
  for (const t of open) await t.close().catch(() => undefined);
  for (const f of fakes) f.cleanup();
  await sshd?.stop();
  await fallbackSshd?.stop();
});

test('key auth with the pinned host key connects; exec reports stdout, stderr and exit code', async () => {
  const t = await connect();
  assert.is(t.describe, `ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
  const r = await t.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], 5000);
  assert.equal(r, { stdout: 'out\n', stderr: 'err\n', code: 3, timedOut: false });
  assert.is(await t.readFile(join(sshd.dir, 'no-such-file')), null);
  // a command that reads stdin gets EOF rather than waiting for the timeout
  assert.equal(await t.exec(['cat'], 5000), { stdout: '', stderr: '', code: 0, timedOut: false });
});

test('exec quotes every argv element: nothing reaches the shell', async () => {
  const t = await connect();
  // an absolute path in the test's folder: a shell that ran it would leave the file there, not in $HOME
  const pwned = join(sshd.dir, 'pwned');
  const nasty = ["it's", 'a b', `$(touch ${pwned})`, '`id`', '; rm -rf x', '"dq"', '\\', '*', '', "''"];
  const r = await t.exec(['printf', '%s|', ...nasty], 5000);
  assert.is(r.code, 0);
  assert.is(r.stdout, nasty.map((a) => `${a}|`).join(''));
  assert.not.ok(existsSync(pwned));
  assert.is(shellQuote("a'b"), `'a'\\''b'`);
});

test('exec timeout kills the remote command', async () => {
  const t = await connect();
  const marker = '31.4159';
  const r = await t.exec(['sleep', marker], 300);
  assert.ok(r.timedOut);
  assert.is(r.code, null);
  let alive = true;
  for (let i = 0; i < 50 && alive; i++) {
    const ps = await t.exec(['sh', '-c', `ps -eo args | grep -c '^sleep ${marker}' || true`], 5000);
    alive = ps.stdout.trim() !== '0';
    if (alive) await new Promise((res) => setTimeout(res, 50));
  }
  assert.not.ok(alive, 'the remote sleep is still running');
});

test('a wrong pinned fingerprint is refused, naming both fingerprints', async () => {
  const err = await rejection(connectSsh(cfgFor(sshd, { hostKeyFingerprint: sshd.otherFingerprint })));
  assert.instance(err, SshError);
  assert.is((err as SshError).kind, 'host-key-mismatch');
  assert.match((err as Error).message, sshd.hostKeyFingerprint);
  assert.match((err as Error).message, sshd.otherFingerprint);
  assert.equal(classifySshError(err), { transient: false, reason: 'host-key-mismatch' });
});

test('a missing pin is refused before any connection is made', async () => {
  // port 1 on loopback is closed: had it tried to connect, the error would be connect-refused
  const err = await rejection(connectSsh({ ...cfgFor(sshd), port: 1, hostKeyFingerprint: undefined }));
  assert.is((err as SshError).kind, 'missing-pin');
  assert.is(classifySshError(err).transient, false);
  const bad = await rejection(connectSsh(cfgFor(sshd, { hostKeyFingerprint: 'aa:bb:cc' })));
  assert.is((bad as SshError).kind, 'bad-pin');
});

test('password auth is refused by the host; an unknown key is refused and permanent', async () => {
  const err = await rejection(new Promise<void>((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => { c.end(); resolve(); });
    c.once('error', (e) => { c.end(); reject(e); });
    c.connect({
      host: sshd.host, port: sshd.port, username: sshd.user, password: 'Maja1234',
      tryKeyboard: true, readyTimeout: 5000, hostVerifier: () => true,
    });
  }));
  assert.is((err as { level?: string }).level, 'client-authentication');
  assert.equal(classifySshError(err), { transient: false, reason: 'auth-refused' });

  const other = join(sshd.dir, 'other_ed25519');
  const refused = await rejection(connectSsh(cfgFor(sshd, { privateKeyPath: other })));
  assert.is((refused as SshError).kind, 'auth-refused');
  assert.is(classifySshError(refused).transient, false);
  assert.not.match((refused as Error).message, readFileSync(other, 'utf8').split('\n')[1]!);
});

test('connection refused is transient', async () => {
  const err = await rejection(connectSsh({ ...cfgFor(sshd), port: 1 }));
  assert.is((err as SshError).kind, 'connect-refused');
  assert.equal(classifySshError(err), { transient: true, reason: 'connect-refused' });
});

test('a host that accepts but never speaks SSH times out: transient', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((sock) => { sockets.push(sock); });
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  const port = (silent.address() as { port: number }).port;
  try {
    const err = await rejection(connectSsh({ ...cfgFor(sshd), port, connectTimeoutMs: 300 }));
    assert.is((err as SshError).kind, 'timeout');
    assert.equal(classifySshError(err), { transient: true, reason: 'timeout' });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((res) => silent.close(res));
  }
});

test('atomic write over SFTP: content, mode, no temp left; rollback restores identical bytes', async () => {
  const t = await connect();
  const path = join(sshd.dir, 'pjsip_wizard.conf');
  const old = Buffer.from('[6001](webrtc)\ninbound_auth/password = old\n');
  writeFileSync(path, old);
  chmodSync(path, 0o600);
  assert.equal(await t.readFile(path), old);

  const next = Buffer.from('[6001](webrtc)\ninbound_auth/password = new\n[6002](webrtc)\n');
  await t.writeFileAtomic(path, next, 0o640);
  assert.equal(readFileSync(path), next);
  assert.is(statSync(path).mode & 0o777, 0o640);
  assert.equal(temps(sshd.dir), []);

  await t.writeFileAtomic(path, old, 0o640);
  assert.is(sha(readFileSync(path)), sha(old));
  assert.equal(temps(sshd.dir), []);
});

test('without posix-rename the temp is moved with mv -f, still atomic', async () => {
  const t = await connect(fallbackSshd);
  const path = join(fallbackSshd.dir, 'it\'s pjsip_wizard.conf');
  writeFileSync(path, 'old\n');
  await t.writeFileAtomic(path, Buffer.from('new\n'), 0o640);
  assert.is(readFileSync(path, 'utf8'), 'new\n');
  assert.is(statSync(path).mode & 0o777, 0o640);
  assert.equal(temps(fallbackSshd.dir), []);
});

test('a failed write (missing directory) rejects and leaves nothing behind', async () => {
  const t = await connect();
  const err = await rejection(t.writeFileAtomic(join(sshd.dir, 'nope', 'x.conf'), Buffer.from('x'), 0o640));
  assert.instance(err, SshError);
  assert.is(classifySshError(err).transient, false);
});

/** the error `p` ends with; a hang beyond the bound fails the test instead of stalling it */
async function refusal(p: Promise<unknown>, boundMs = 20_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise((resolve) => { timer = setTimeout(() => resolve(new Error('HUNG: did not end by itself')), boundMs); });
  try {
    return await Promise.race([rejection(p), hang]);
  } finally {
    clearTimeout(timer);
  }
}

function assertNotRegular(err: unknown): void {
  assert.instance(err, PassError, String(err));
  assert.equal([(err as PassError).kind, (err as PassError).reason], ['stalled', 'LiveFileNotRegular']);
}

test('a FIFO or a directory at the live path: read and write refused (stalled LiveFileNotRegular), promptly', async () => {
  const t = await connect();
  const fifo = join(sshd.dir, 'fifo-pjsip_wizard.conf');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  assertNotRegular(await refusal(t.readFile(fifo)));
  assertNotRegular(await refusal(t.writeFileAtomic(fifo, Buffer.from('x\n'), 0o640)));
  assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is left as it was');
  const linkToFifo = join(sshd.dir, 'link-to-fifo.conf');
  symlinkSync(fifo, linkToFifo);
  assertNotRegular(await refusal(t.readFile(linkToFifo)));
  const dir = join(sshd.dir, 'dir-pjsip_wizard.conf');
  mkdirSync(dir);
  assertNotRegular(await refusal(t.readFile(dir)));
  assertNotRegular(await refusal(t.writeFileAtomic(dir, Buffer.from('x\n'), 0o640)));
  // the session still works after the refusals
  assert.is(await t.readFile(join(sshd.dir, 'no-such-file')), null);
});

for (const which of ['posix-rename', 'mv -f'] as const) {
  test(`a symlink at the live path (${which}): the target gets the new bytes, the link stays, owner and mode kept`, async () => {
    const s = which === 'posix-rename' ? sshd : fallbackSshd;
    const t = await connect(s);
    mkdirSync(join(s.dir, 'cm'), { recursive: true });
    mkdirSync(join(s.dir, 'etc'), { recursive: true });
    const target = join(s.dir, 'cm', 'pjsip_wizard.conf');
    const live = join(s.dir, 'etc', 'pjsip_wizard.conf');
    writeFileSync(target, '[old]\n');
    chmodSync(target, 0o604);
    const asRoot = process.getuid?.() === 0; // sshd runs as this user: only root may give a file away
    if (asRoot) chownSync(target, 4321, 4322);
    symlinkSync('../cm/pjsip_wizard.conf', live);
    assert.equal(await t.readFile(live), Buffer.from('[old]\n'));
    await t.writeFileAtomic(live, Buffer.from('[new]\n'), 0o640);
    assert.ok(lstatSync(live).isSymbolicLink(), 'the link stays a link');
    assert.is(readlinkSync(live), '../cm/pjsip_wizard.conf');
    assert.is(readFileSync(target, 'utf8'), '[new]\n');
    const st = statSync(target);
    assert.is(st.mode & 0o7777, 0o604, 'the target keeps its mode');
    if (asRoot) assert.equal([st.uid, st.gid], [4321, 4322], 'the target keeps its owner');
    assert.equal(readdirSync(join(s.dir, 'cm')), ['pjsip_wizard.conf'], 'no temp file left');
    assert.equal(readdirSync(join(s.dir, 'etc')), ['pjsip_wizard.conf']);
  });
}

test('the session killed mid-upload leaves the old file live and intact', async () => {
  const t = await connect();
  const path = join(sshd.dir, 'big.conf');
  const old = Buffer.from('; the live file\n[6001](webrtc)\n');
  writeFileSync(path, old);
  const big = Buffer.alloc(256 * 1024 * 1024, 'x');
  const writing = rejection(t.writeFileAtomic(path, big, 0o640));
  // wait (bounded) until the upload has started writing the temp file, then kill the session
  let started = false;
  for (let i = 0; i < 400 && !started; i++) {
    started = temps(sshd.dir).some((n) => statSync(join(sshd.dir, n)).size > 0);
    if (!started) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(started, 'the upload never started');
  assert.ok(sshd.killSessions() > 0);
  const err = await writing;
  assert.ok(classifySshError(err).transient, `expected transient, got ${String(err)}`);
  assert.equal(readFileSync(path), old);
  assert.not.ok(await t.readFile(path).then(() => true, () => false), 'a dead connection must fail');

  // a command running when the connection drops is a transient failure, not an exit
  const other = await connect();
  const running = rejection(other.exec(['sleep', '27.1828'], 20_000));
  for (let i = 0; i < 100 && sshd.killSessions() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const dropped = await running;
  assert.instance(dropped, SshError);
  assert.equal(classifySshError(dropped), { transient: true, reason: 'connection-lost' });

  // the next connection cleans the orphaned temp and writes normally
  const again = await connect();
  await again.writeFileAtomic(path, Buffer.from('fresh\n'), 0o640);
  assert.is(readFileSync(path, 'utf8'), 'fresh\n');
  assert.equal(temps(sshd.dir), []);
});

test('over SSH: write the compiled file, reload the fake Asterisk, list its endpoints; a hung CLI is killed', async () => {
  const t = await connect();
  const confPath = join(sshd.dir, 'asterisk-pjsip_wizard.conf');
  const fake = createFakeAsterisk({ confPath });
  fakes.push(fake);
  const r = compile(site());
  assert.ok(r.ok);
  if (!r.ok) return;
  await t.writeFileAtomic(confPath, Buffer.from(r.conf), 0o640);

  const reload = await t.exec(fake.reloadArgv, 20_000);
  assert.is(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, "Module 'res_pjsip.so' reloaded successfully.");
  const show = await t.exec(fake.argv('pjsip show endpoints'), 20_000);
  assert.match(show.stdout, /Endpoint: {2}6000\b/);
  assert.match(show.stdout, /Endpoint: {2}6010\b/);
  assert.equal((await fake.loaded()).endpoints, ['6000', '6010']);

  fake.setMode({ hang: true });
  const hung = await t.exec(fake.argv('core show version'), 1000);
  assert.ok(hung.timedOut);
  assert.is(hung.code, null);
  // the sshd runs on this machine: look for this fake's processes here (by its home, not by a name)
  let left = fakeProcesses(fake);
  for (let i = 0; i < 50 && left.length; i++) {
    await new Promise((res) => setTimeout(res, 50));
    left = fakeProcesses(fake);
  }
  assert.equal(left, [], 'the hung fake asterisk is still running');
});

test.run();
