// Process identity and exit codes under resource faults, with real processes, signals and files: a
// lock or pid file naming a pid that now belongs to another program neither blocks the lock nor gets
// that program signalled; a lock release that fails (a full disk) never changes apply's exit code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, LockHeldError, readLockHolder } from '../reconciler/lock.ts';
import { pidFilePath, writePidFile } from '../reconciler/io/pid-file.ts';
import { runningLoop } from '../reconciler/loop.ts';
import { bootId, matchProcess, processStartTime, startTimeOfStat } from '../reconciler/io/process-identity.ts';
import { createFakeAsterisk } from './helpers/fake-asterisk.ts';
import { createRemote, tempDir } from './helpers/git.ts';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups.reverse()) c(); });

function root(): string {
  const d = tempDir('pjsip-gitops-identity-');
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function until<T>(what: string, probe: () => T | undefined | false, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function track(child: ChildProcess): ChildProcess {
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return child;
}

/** an unrelated long-lived process: `sleep 30`, under a name given by a symlink (its comm) */
async function stranger(name = 'sleep'): Promise<{ pid: number; start: string }> {
  let file = 'sleep';
  if (name !== 'sleep') {
    const sleepPath = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();
    file = join(root(), name);
    symlinkSync(sleepPath, file);
  }
  const child = track(spawn(file, ['30'], { stdio: 'ignore' }));
  const pid = child.pid!;
  // after the exec, /proc names the program: its stat then carries the comm we chose
  await until('the stranger to exec', () => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(`(${name.slice(0, 15)})`));
  return { pid, start: processStartTime(pid)! };
}

function writeLock(stateDir: string, holder: Record<string, unknown>): void {
  mkdirSync(join(stateDir, 'lock'), { recursive: true });
  writeFileSync(join(stateDir, 'lock', 'gen-1'), JSON.stringify({ startedAt: 'then', hostname: hostname(), ...holder }) + '\n');
}

async function lockOutcome(stateDir: string): Promise<'held' | 'taken'> {
  try {
    const release = await acquireLock(stateDir);
    assert.is((await readLockHolder(stateDir))?.pid, process.pid);
    await release();
    return 'taken';
  } catch (err) {
    if (err instanceof LockHeldError) return 'held';
    throw err;
  }
}

test('the start time is field 22 of /proc/<pid>/stat, counted after the LAST ")" of the comm', () => {
  const tail = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 778899 20 21';
  const cases: [string, string, string | undefined][] = [
    ['plain comm', `123 (node) ${tail}`, '778899'],
    ['comm with spaces and parentheses', `123 (a) b (c) 9 9) ${tail}`, '778899'],
    ['comm that is only ")"', `123 ()) ${tail}`, '778899'],
    ['no comm at all', '123 node S 1', undefined],
    ['cut short', '123 (node) S 1 2', undefined],
  ];
  for (const [name, stat, want] of cases) assert.is(startTimeOfStat(stat), want, name);
});

test('a real process whose name holds ") (" is identified by its start time and boot id', async () => {
  const s = await stranger('x) (y z');
  assert.match(s.start, /^\d+$/);
  assert.is(matchProcess({ pid: s.pid, procStartTime: s.start, bootId: bootId() }), 'same');
  assert.is(matchProcess({ pid: s.pid, procStartTime: String(Number(s.start) + 1), bootId: bootId() }), 'gone');
  assert.is(matchProcess({ pid: s.pid }), 'unverified');
});

test('a lock naming a live unrelated process with another start time does not block acquireLock', async () => {
  const s = await stranger();
  const dir = root();
  writeLock(dir, { pid: s.pid, procStartTime: String(Number(s.start) + 7), bootId: bootId() });
  assert.is(await lockOutcome(dir), 'taken');
});

test('a lock from before a reboot (same pid and start time, another boot id) does not block acquireLock', async () => {
  const s = await stranger();
  const dir = root();
  writeLock(dir, { pid: s.pid, procStartTime: s.start, bootId: '00000000-0000-4000-8000-000000000000' });
  assert.is(await lockOutcome(dir), 'taken');
});

test('a lock whose identity matches a running process still blocks; an old lock file without one, by pid alone', async () => {
  const s = await stranger();
  const matching = root();
  writeLock(matching, { pid: s.pid, procStartTime: s.start, bootId: bootId() });
  assert.is(await lockOutcome(matching), 'held');
  const old = root();
  writeLock(old, { pid: s.pid });
  assert.is(await lockOutcome(old), 'held');
});

test('the lock and the pid file record this process\'s start time and boot id; the loop is found by them', async () => {
  const dir = root();
  const release = await acquireLock(dir);
  try {
    const holder = await readLockHolder(dir);
    assert.is(holder?.procStartTime, processStartTime(process.pid));
    assert.is(holder?.bootId, bootId());
    const pid = await writePidFile(dir);
    assert.is(pid.procStartTime, processStartTime(process.pid));
    const found = await runningLoop(dir);
    assert.ok('pid' in found && found.pid.pid === process.pid, JSON.stringify(found));
  } finally {
    await release();
  }
});

// ---- reconcile --now never signals a process it has not identified as the reconciler

interface Config { dir: string; stateDir: string; config: string }

function config(): Config {
  const dir = root();
  const stateDir = join(dir, 'state');
  const config = join(dir, 'reconciler.yaml');
  writeFileSync(config, [
    `source: { repo: ${JSON.stringify(join(dir, 'remote.git'))}, interval: 1h, jitter: 0 }`,
    `target: { kind: local, liveFile: ${JSON.stringify(join(dir, 'pjsip_wizard.conf'))}, mode: '0640' }`,
    `asterisk: { cli: [${JSON.stringify(join(dir, 'asterisk'))}, -rx], timeout: 30s }`,
    `stateDir: ${JSON.stringify(stateDir)}`,
    '',
  ].join('\n'));
  return { dir, stateDir, config };
}

/** a node process that records every SIGHUP (and the SIGUSR2 barrier) it receives in a file */
async function listener(dir: string): Promise<{ pid: number; seen: () => string[]; barrier: () => Promise<void> }> {
  const log = join(dir, 'signals.log');
  const ready = join(dir, 'listener.ready');
  const code = `const fs = require('fs');
    for (const s of ['SIGHUP', 'SIGUSR2']) process.on(s, () => fs.appendFileSync(${JSON.stringify(log)}, s + '\\n'));
    fs.writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1 << 30);`;
  const child = track(spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
  await until('the listener to be ready', () => existsSync(ready));
  const seen = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  return {
    pid: child.pid!,
    seen,
    // signals reach the handlers in order: once SIGUSR2 is recorded, any SIGHUP sent before it is too
    barrier: async () => {
      child.kill('SIGUSR2');
      await until('the SIGUSR2 barrier', () => seen().includes('SIGUSR2'));
    },
  };
}

const nowCli = (c: Config) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'reconcile', '--now', '--config', c.config],
  { encoding: 'utf8', timeout: 60_000 });

for (const [name, identity] of [
  ['a pid file whose start time is another process\'s', (start: string) => ({ procStartTime: String(Number(start) + 3), bootId: bootId() })],
  ['an old pid file without start time and boot id', () => ({})],
] as const) {
  test(`reconcile --now with ${name}: no signal, "not running", exit 1`, async () => {
    const c = config();
    const l = await listener(c.dir);
    const start = processStartTime(l.pid)!;
    // what a reconciler killed with -9 leaves behind, its pid since taken by an unrelated program
    mkdirSync(c.stateDir, { recursive: true });
    const recorded = { pid: l.pid, ...identity(start) };
    writeFileSync(pidFilePath(c.stateDir), JSON.stringify({ ...recorded, startedAt: 'then', hostname: hostname() }) + '\n');
    writeLock(c.stateDir, recorded);
    const r = nowCli(c);
    assert.is(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /no reconcile loop/);
    assert.not.match(r.stdout, /sent SIGHUP/);
    await l.barrier();
    assert.equal(l.seen(), ['SIGUSR2'], 'the unrelated process got no SIGHUP');
  });
}

// ---- a failed lock release is logged; the pass decides apply's exit code

/** a tiny tmpfs at `dir` (root only); false where mounting is not allowed (e.g. a container) */
function mountTmpfs(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  cleanups.push(() => { spawnSync('umount', ['-l', dir]); }); // runs before the folder's removal (cleanups run in reverse)
  return true;
}

test('ENOSPC while releasing the lock: lock.release-failed is logged and apply exits as the pass ended', async () => {
  const dir = root();
  const remote = createRemote(dir);
  const files: Record<string, string> = {};
  const ext = new URL('../extensions/', import.meta.url);
  for (const name of readdirSync(ext)) files[`extensions/${name}`] = readFileSync(new URL(name, ext), 'utf8');
  remote.commit(files, 'the shipped extensions');
  const fake = createFakeAsterisk({ confPath: join(dir, 'pjsip_wizard.conf'), down: true });
  cleanups.push(() => fake.cleanup());
  const stateDir = join(dir, 'state');
  const lockDir = join(stateDir, 'lock');
  mkdirSync(lockDir, { recursive: true });
  const real = mountTmpfs(lockDir);
  // a real full disk: the lock's folder is a 64 KiB tmpfs that Asterisk's CLI (called mid-pass) fills up
  const cli = join(dir, 'asterisk-filling-the-disk');
  writeFileSync(cli, `#!/bin/sh\ndd if=/dev/zero of='${join(lockDir, 'fill')}' bs=4096 2>/dev/null\nexec '${fake.bin}' "$@"\n`, { mode: 0o755 });
  const configPath = join(dir, 'reconciler.yaml');
  writeFileSync(configPath, [
    `source: { repo: ${JSON.stringify(remote.bare)}, interval: 1h, jitter: 0 }`,
    `target: { kind: local, liveFile: ${JSON.stringify(join(dir, 'pjsip_wizard.conf'))}, mode: '0640' }`,
    `asterisk: { cli: [${JSON.stringify(real ? cli : fake.bin)}, -rx], timeout: 30s }`,
    `stateDir: ${JSON.stringify(stateDir)}`,
    '',
  ].join('\n'));
  // where mounting is refused, a seam makes the release's write fail as the full disk would
  const seam = real ? [] : ['--import', './test/helpers/full-disk-release.ts'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...seam, 'cli/main.ts', 'apply', '--config', configPath, '--format', 'json'],
    { encoding: 'utf8', timeout: 120_000 });
  const result = JSON.parse(r.stdout) as { transient: boolean; condition: string; reason: string };
  assert.is(result.reason, 'AsteriskUnreachable', r.stderr);
  assert.is(r.status, 3, `exit code of a transient pass; stderr: ${r.stderr}`);
  const events = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; error?: string });
  const failed = events.find((e) => e.event === 'lock.release-failed');
  assert.ok(failed, r.stderr);
  assert.match(String(failed.error), /ENOSPC/);
});

test.run();
