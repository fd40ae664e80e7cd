// LocalTarget and DockerTarget with real files and real processes; `docker` is a recording script on
// PATH (there is no engine here), which then runs the command it was given.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { reload, showEndpoints } from '../reconciler/asterisk.js';
import { DockerTarget } from '../reconciler/targets/docker.js';
import { childEnv } from '../reconciler/io/process.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { createFakeAsterisk, type FakeAsterisk } from './helpers/fake-asterisk.js';

const dirs: string[] = [];
const fakes: FakeAsterisk[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const f of fakes) f.cleanup();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pjsip-gitops-targets-'));
  dirs.push(d);
  return d;
}

const local = new LocalTarget({ killGraceMs: 300 });

async function rejects(p: Promise<unknown>): Promise<void> {
  let failed = false;
  try {
    await p;
  } catch {
    failed = true;
  }
  assert.ok(failed, 'expected a rejection');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

// ---- files
test('readFile: the bytes, or null when the file does not exist', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.conf'), 'x\0y');
  assert.equal(await local.readFile(join(dir, 'a.conf')), Buffer.from('x\0y'));
  assert.is(await local.readFile(join(dir, 'missing.conf')), null);
});

test('writeFileAtomic: new file with content and mode, no temp file left', async () => {
  const dir = tempDir();
  const path = join(dir, 'pjsip_wizard.conf');
  await local.writeFileAtomic(path, Buffer.from('[6000]\n'), 0o640);
  assert.is(readFileSync(path, 'utf8'), '[6000]\n');
  assert.is(statSync(path).mode & 0o777, 0o640);
  assert.equal(readdirSync(dir), ['pjsip_wizard.conf']);
});

test('writeFileAtomic sweeps temp files of dead writers and keeps those of live ones', async () => {
  const dir = tempDir();
  const path = join(dir, 'sweep.conf');
  const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no live process
  const sleeper = spawn('sleep', ['30']);
  try {
    const deadTemp = `.sweep.conf.pjsip-gitops-${dead}-a1b2c3d4e5f6.tmp`;
    const deadBackupTemp = `.other.conf.pjsip-gitops-${dead}-0a0b0c0d0e0f.tmp`;
    const liveTemp = `.sweep.conf.pjsip-gitops-${sleeper.pid}-abcdefabcdef.tmp`;
    for (const n of [deadTemp, deadBackupTemp, liveTemp]) writeFileSync(join(dir, n), 'half written');
    await local.writeFileAtomic(path, Buffer.from('whole\n'), 0o640);
    const names = readdirSync(dir);
    assert.not.ok(names.includes(deadTemp), 'a dead writer\'s temp file stays');
    assert.not.ok(names.includes(deadBackupTemp), 'a dead writer\'s temp file of another file stays');
    assert.ok(names.includes(liveTemp), 'a live writer\'s temp file was removed');
    assert.is(readFileSync(path, 'utf8'), 'whole\n');
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('writeFileAtomic replaces an existing file (a new inode) and applies the mode', async () => {
  const dir = tempDir();
  const path = join(dir, 'pjsip_wizard.conf');
  writeFileSync(path, 'old\n', { mode: 0o644 });
  const before = statSync(path).ino;
  await local.writeFileAtomic(path, Buffer.from('new\n'), 0o600);
  assert.is(readFileSync(path, 'utf8'), 'new\n');
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.is.not(statSync(path).ino, before);
  assert.equal(readdirSync(dir), ['pjsip_wizard.conf']);
});

test('writeFileAtomic failing after the write leaves the old file and no temp file', async () => {
  const dir = tempDir();
  const path = join(dir, 'pjsip_wizard.conf');
  writeFileSync(path, 'old\n');
  // an impossible mode makes chmod throw after the temp file was written and synced
  await rejects(local.writeFileAtomic(path, Buffer.from('new\n'), -1));
  assert.is(readFileSync(path, 'utf8'), 'old\n');
  assert.equal(readdirSync(dir), ['pjsip_wizard.conf']);
});

test('writeFileAtomic onto a directory fails at rename and leaves no temp file', async () => {
  const dir = tempDir();
  const path = join(dir, 'pjsip_wizard.conf');
  mkdirSync(path);
  writeFileSync(join(path, 'inside'), 'x');
  await rejects(local.writeFileAtomic(path, Buffer.from('new\n'), 0o640));
  assert.equal(readdirSync(dir), ['pjsip_wizard.conf']);
  assert.ok(statSync(path).isDirectory());
});

test('writeFileAtomic into a missing directory rejects', async () => {
  const dir = tempDir();
  await rejects(local.writeFileAtomic(join(dir, 'no', 'such.conf'), Buffer.from('x'), 0o640));
});

// ---- exec
test('exec: stdout, stderr and exit code, no shell', async () => {
  const r = await local.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], 5000);
  assert.equal(r, { stdout: 'out\n', stderr: 'err\n', code: 3, timedOut: false });
  const literal = await local.exec(['echo', '$HOME; rm -rf /'], 5000);
  assert.is(literal.stdout, '$HOME; rm -rf /\n');
});

test('exec: the environment holds only PATH, HOME, LANG and what the caller passes', async () => {
  process.env.PJSIP_GITOPS_SHOULD_NOT_LEAK = 'leak';
  try {
    const t = new LocalTarget({ env: { EXTRA: 'given' } });
    const r = await t.exec(['env'], 5000);
    const names = r.stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort();
    const expected = Object.keys(childEnv({ EXTRA: 'given' })).sort();
    assert.equal(names.filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_'), expected);
    assert.not.ok(r.stdout.includes('leak'));
  } finally {
    delete process.env.PJSIP_GITOPS_SHOULD_NOT_LEAK;
  }
});

test('exec: a command that cannot start gives exit 127 and a message', async () => {
  const r = await local.exec([join(tempDir(), 'no-such-asterisk'), '-rx', 'x'], 5000);
  assert.is(r.code, 127);
  assert.match(r.stderr, /ENOENT/);
});

test('exec: output beyond the cap is dropped and marked', async () => {
  const t = new LocalTarget({ maxOutputBytes: 100 });
  const r = await t.exec(['sh', '-c', 'i=0; while [ $i -lt 100 ]; do echo 0123456789; i=$((i+1)); done'], 5000);
  assert.ok(r.stdout.startsWith('0123456789\n'));
  assert.ok(r.stdout.length < 200);
  assert.match(r.stdout, /output cut/);
  assert.is(r.code, 0);
});

test('exec: a timeout kills the whole process group, grandchildren included', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'pid');
  const r = await local.exec(['sh', '-c', `sleep 60 & echo $! > ${pidFile}; wait`], 400);
  assert.is(r.timedOut, true);
  assert.is(r.code, null);
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(grandchild > 0);
  assert.ok(await waitUntil(() => !alive(grandchild), 3000), 'the background sleep was killed too');
});

test('exec: a background child holding the output open does not keep exec waiting', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'pid');
  // had exec waited for the output to close, it would end at its 20 s timeout: timedOut, code null
  const r = await local.exec(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo done`], 20_000);
  try {
    assert.equal(r, { stdout: 'done\n', stderr: '', code: 0, timedOut: false });
  } finally {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  }
});

test('exec: a command that ignores SIGTERM is killed after the grace time', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'pid');
  const started = Date.now();
  // without the SIGKILL after the grace time exec would never return: bound the wait, do not time it
  let guard: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    local.exec(['sh', '-c', `echo $$ > ${pidFile}; trap "" TERM; while :; do sleep 0.1; done`], 300),
    new Promise<never>((_, reject) => {
      guard = setTimeout(() => {
        try { process.kill(-Number(readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* gone */ }
        reject(new Error('exec never returned: the command was not killed'));
      }, 60_000);
    }),
  ]).finally(() => clearTimeout(guard));
  assert.is(r.timedOut, true);
  assert.is(r.code, null);
  assert.ok(Date.now() - started >= 300, 'killed before its timeout');
  const shell = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(shell > 0);
  assert.ok(await waitUntil(() => !alive(shell), 3000), 'the shell that ignores SIGTERM still runs');
});

// ---- docker
function fakeDocker(): { dir: string; argvFile: string; env: Record<string, string> } {
  const dir = tempDir();
  const argvFile = join(dir, 'docker-argv');
  // records its argv, then runs what follows `exec <container>` as the container would
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\nshift 2\nexec "$@"\n`);
  chmodSync(join(dir, 'docker'), 0o755);
  return { dir, argvFile, env: { PATH: `${dir}:${process.env.PATH ?? ''}` } };
}

test('DockerTarget runs `docker exec <container> <argv…>` from PATH', async () => {
  const d = fakeDocker();
  const t = new DockerTarget({ container: 'asterisk', env: d.env });
  assert.is(t.describe, 'docker:asterisk');
  assert.equal(t.dockerArgv(['asterisk', '-rx', 'x']), ['docker', 'exec', 'asterisk', 'asterisk', '-rx', 'x']);
  const r = await t.exec(['echo', 'module reload res_pjsip.so'], 5000);
  assert.is(r.stdout, 'module reload res_pjsip.so\n');
  assert.is(readFileSync(d.argvFile, 'utf8'), 'exec\nasterisk\necho\nmodule reload res_pjsip.so\n');
});

test('DockerTarget drives the fake Asterisk with the default `asterisk -rx` argv', async () => {
  const d = fakeDocker();
  const f = createFakeAsterisk();
  fakes.push(f);
  // inside the "container", `asterisk` on PATH is the fake
  writeFileSync(join(d.dir, 'asterisk'), `#!/bin/sh\nexec '${f.bin}' "$@"\n`);
  chmodSync(join(d.dir, 'asterisk'), 0o755);
  writeFileSync(f.mode().confPath!, '[6000]\ntype = wizard\n');
  const t = new DockerTarget({ container: 'pbx', env: d.env });
  const r = await reload(t);
  assert.ok(r.ok, !r.ok ? r.detail : '');
  assert.is(readFileSync(d.argvFile, 'utf8'), 'exec\npbx\nasterisk\n-rx\nmodule reload res_pjsip.so\n');
  const eps = await showEndpoints(t);
  assert.ok(eps.ok && eps.value.has('6000'));
});

test('DockerTarget refuses a container name that could be read as an option', () => {
  assert.throws(() => new DockerTarget({ container: '--privileged' }), /not a valid container/);
  assert.throws(() => new DockerTarget({ container: '' }), /not a valid container/);
});

test('DockerTarget writes files on the host, atomically', async () => {
  const dir = tempDir();
  const t = new DockerTarget({ container: 'asterisk' });
  const path = join(dir, 'pjsip_wizard.conf');
  await t.writeFileAtomic(path, Buffer.from('x\n'), 0o640);
  assert.equal(await t.readFile(path), Buffer.from('x\n'));
  assert.equal(readdirSync(dir), ['pjsip_wizard.conf']);
});

test.run();
