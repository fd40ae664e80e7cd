// `apply` as a real process, killed with SIGKILL at random (seeded, printed) moments: the live file must always be the
// whole old or the whole new file, a stale lock and temp files must not stop the next run, and the
// run after the last kill must leave Asterisk running what the file says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import { readSourcesAtRev } from '../reconciler/git.js';
import { acquireLock } from '../reconciler/lock.js';
import { sha256 } from '../reconciler/state.js';
import { cliArgv } from './helpers/cli.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const RUNS = Number(process.env.CRASH_RUNS ?? 30);
const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

function applyArgs(config: string): string[] {
  return cliArgv(['apply', '--config', config, '--quiet', '--format', 'json']);
}

// the kill moments come from a seeded generator: CRASH_SEED=<n> replays a run (the seed is printed)
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
console.log(`crash test seed: ${SEED} (replay with CRASH_SEED=${SEED})`);

/** mulberry32: a small, well-spread 32-bit generator; numbers in [0, 1) */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('close', (code) => resolve(code));
  });
}

async function compiledSha(f: PassFixture, commit: string): Promise<string> {
  const r = compile(await readSourcesAtRev(f.remote.bare, commit, 'extensions'), { sourceLabel: 'extensions/' });
  if (!r.ok) throw new Error('fixture does not compile');
  return sha256(r.conf);
}

test('a second apply is refused while another holds the lock', async () => {
  const f = await passFixture();
  fixtures.push(f);
  const config = f.writeConfigFile();
  const release = await acquireLock(f.stateDir);
  try {
    const r = spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /another reconciler holds the lock/);
    assert.is(f.live(), null);
  } finally {
    await release();
  }
  const ok = spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
  assert.is(ok.status, 0, ok.stderr + ok.stdout);
  assert.is((JSON.parse(ok.stdout) as { result: string }).result, 'applied');
});

test(`apply killed with SIGKILL at random moments (${RUNS} runs): the live file is always whole`, async () => {
  const f = await passFixture();
  fixtures.push(f);
  const config = f.writeConfigFile();
  const first = spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
  assert.is(first.status, 0, first.stderr);
  // how long a whole run takes here, to spread the kills over it
  const t0 = Date.now();
  spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
  const runMs = Math.max(300, Date.now() - t0);

  let killedMidway = 0;
  const shas = new Map<string, string>();
  for (let i = 0; i < RUNS; i++) {
    const name = i % 2 === 0 ? 'Crash Desk Even' : 'Crash Desk Odd';
    const commit = f.remote.commit({ 'extensions/6001.yaml': `extension: 6001\nname: ${name} ${i % 3}\nauth: { password: Maja1234 }\n` });
    const before = sha256(f.live()!);
    const after = shas.get(commit) ?? await compiledSha(f, commit);
    shas.set(commit, after);
    const child = spawn(process.execPath, applyArgs(config), { stdio: 'ignore' });
    const delay = Math.floor(random() * runMs * 1.2);
    await new Promise((r) => setTimeout(r, delay));
    const wasRunning = child.exitCode === null;
    child.kill('SIGKILL');
    await exited(child);
    if (wasRunning) killedMidway++;
    const now = f.live();
    assert.ok(now !== null, `run ${i}: the live file vanished`);
    const sha = sha256(now!);
    assert.ok(sha === before || sha === after, `run ${i} (killed after ${delay} ms, CRASH_SEED=${SEED}): live file is neither the old nor the new one`);
  }
  assert.ok(killedMidway >= RUNS / 3, `only ${killedMidway} of ${RUNS} runs were killed while running`);

  // the run after: takes over the stale lock, ignores leftover temp files, and leaves Asterisk on the file
  const last = spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
  assert.is(last.status, 0, last.stderr + last.stdout);
  const result = JSON.parse(last.stdout) as { result: string; condition: string };
  assert.is(result.condition, 'Ready');
  assert.is(sha256(f.live()!), shas.get(f.remote.head()));
  const callerid = (await f.fake.loaded()).objects.endpoint?.['6001']?.fields.callerid ?? '';
  assert.ok(f.live()!.toString().includes(`endpoint/callerid = ${callerid}`), `Asterisk runs ${callerid}, not what the file says`);
  const again = spawnSync(process.execPath, applyArgs(config), { encoding: 'utf8', timeout: 60_000 });
  assert.is((JSON.parse(again.stdout) as { result: string }).result, 'unchanged');
  assert.equal(readdirSync(f.stateDir).filter((n) => n.includes('.tmp')), [], 'no status temp file is left behind');
  // temp files of killed writes are swept by the next write (their writers are dead)
  const leftovers = readdirSync(join(f.root, 'live')).filter((n) => n !== 'pjsip_wizard.conf');
  assert.equal(leftovers, [], 'temp files of killed writers are left next to the live file');
});

test.run();
