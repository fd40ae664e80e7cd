import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquireLock, LockHeldError, readLockHolder } from '../reconciler/lock.js';
import { tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });
const stateDir = () => { const d = tempDir(); roots.push(d); return d; };

const lockModule = pathToFileURL(join(process.cwd(), 'reconciler/lock.ts')).href;

/** A real process that tries to take the lock, prints WON or HELD, and holds it until stdin closes. */
function contender(dir: string) {
  const code = `
    const { acquireLock } = await import(${JSON.stringify(lockModule)});
    try { const release = await acquireLock(${JSON.stringify(dir)}); process.stdout.write('WON\\n');
      process.stdin.resume(); process.stdin.on('end', async () => { await release(); process.exit(0); });
    } catch (e) { process.stdout.write(e.name === 'LockHeldError' ? 'HELD\\n' : 'ERR ' + e.message + '\\n'); process.exit(0); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answer = new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.trim()); });
    child.on('close', () => resolve(out.trim() || 'EXITED'));
  });
  return { child, answer };
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.on('close', () => resolve()); });
}

test('a second acquire is refused while the lock is held, and allowed after release', async () => {
  const dir = stateDir();
  const release = await acquireLock(dir);
  try {
    await acquireLock(dir);
    assert.unreachable('second acquire must fail');
  } catch (err) {
    assert.instance(err, LockHeldError);
    assert.is((err as LockHeldError).holder.pid, process.pid);
    assert.match((err as Error).message, /another reconciler holds the lock/);
  }
  const holder = await readLockHolder(dir);
  assert.is(holder?.pid, process.pid);
  assert.is(holder?.hostname, hostname());
  await release();
  await release(); // twice is harmless
  const again = await acquireLock(dir);
  await again();
});

test('another live process holding the lock blocks us', async () => {
  const dir = stateDir();
  const c = contender(dir);
  assert.is(await c.answer, 'WON');
  try {
    let refused = false;
    try { await acquireLock(dir); } catch (err) { refused = err instanceof LockHeldError; }
    assert.ok(refused, 'refused while another process holds it');
  } finally {
    c.child.stdin?.end();
    await exited(c.child);
  }
  const release = await acquireLock(dir); // released cleanly by the child
  await release();
});

test('a stale lock (its process was killed) is taken over', async () => {
  const dir = stateDir();
  const c = contender(dir);
  assert.is(await c.answer, 'WON');
  c.child.kill('SIGKILL');
  await exited(c.child);
  const stale = await readLockHolder(dir);
  assert.is(stale?.pid, c.child.pid);
  const release = await acquireLock(dir);
  assert.is((await readLockHolder(dir))?.pid, process.pid);
  await release();
});

test('a lock file written by hand with a dead pid is stale; half-written temp files do no harm', async () => {
  const dir = stateDir();
  mkdirSync(join(dir, 'lock'), { recursive: true });
  writeFileSync(join(dir, 'lock', 'gen-7'), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 'then', hostname: hostname() }));
  writeFileSync(join(dir, 'lock', `.tmp-${2 ** 22 + 12345}-abc`), '{"pid":');
  const release = await acquireLock(dir);
  const names = readdirSync(join(dir, 'lock')).sort();
  assert.equal(names, ['gen-8']);
  await release();
});

test('a lock file edited into garbage does not block forever', async () => {
  const dir = stateDir();
  mkdirSync(join(dir, 'lock'), { recursive: true });
  writeFileSync(join(dir, 'lock', 'gen-2'), 'not json');
  const release = await acquireLock(dir);
  assert.is((await readLockHolder(dir))?.pid, process.pid);
  await release();
});

test('a lock held on another host is never taken over', async () => {
  const dir = stateDir();
  mkdirSync(join(dir, 'lock'), { recursive: true });
  writeFileSync(join(dir, 'lock', 'gen-1'), JSON.stringify({ pid: 1, startedAt: 'then', hostname: 'some-other-host' }));
  try {
    await acquireLock(dir);
    assert.unreachable('must refuse');
  } catch (err) {
    assert.instance(err, LockHeldError);
  }
});

test('many processes racing for a stale lock: exactly one wins', async () => {
  for (let round = 0; round < 3; round++) {
    const dir = stateDir();
    mkdirSync(join(dir, 'lock'), { recursive: true });
    writeFileSync(join(dir, 'lock', 'gen-3'), JSON.stringify({ pid: 2 ** 22 + 999, startedAt: 'then', hostname: hostname() }));
    const cs = Array.from({ length: 8 }, () => contender(dir));
    const answers = await Promise.all(cs.map((c) => c.answer));
    for (const c of cs) c.child.stdin?.end();
    await Promise.all(cs.map((c) => exited(c.child)));
    assert.is(answers.filter((a) => a === 'WON').length, 1, `round ${round}: ${answers.join(',')}`);
    assert.is(answers.filter((a) => a === 'HELD').length, 7, `round ${round}: ${answers.join(',')}`);
  }
});

test.run();
