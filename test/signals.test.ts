// The reconciler as a real process: `node --import tsx cli/main.ts reconcile --config F` with a
// real git remote and the fake Asterisk. Signals are real; every wait is bounded and watches the
// JSON log lines or the status file, never the clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createRemote, tempDir, type TestRemote } from './helpers/git.ts';
import { createFakeAsterisk, type FakeAsterisk } from './helpers/fake-asterisk.ts';
import { startSshd } from './helpers/sshd.ts';
import { readStatus } from '../reconciler/state.ts';
import { pidFilePath } from '../reconciler/io/pid-file.ts';

const EXTENSIONS = new URL('../extensions/', import.meta.url);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const cleanups: (() => void | Promise<void>)[] = [];
test.after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Line = { event: string; [k: string]: unknown };

interface Env {
  root: string;
  remote: TestRemote;
  fake: FakeAsterisk;
  live: string;
  stateDir: string;
  config: string;
}

function setup(opts: { drift?: 'correct' | 'report'; repo?: string; reload?: (fake: FakeAsterisk) => string[]; http?: boolean } = {}): Env {
  const root = tempDir('pjsip-gitops-signals-');
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const remote = createRemote(root);
  const files: Record<string, string> = {};
  for (const name of readdirSync(EXTENSIONS)) files[`extensions/${name}`] = readFileSync(new URL(name, EXTENSIONS), 'utf8');
  remote.commit(files, 'the shipped extensions');
  mkdirSync(join(root, 'asterisk'));
  const live = join(root, 'asterisk', 'pjsip_wizard.conf');
  const fake = createFakeAsterisk({ confPath: live });
  cleanups.push(() => fake.cleanup());
  const stateDir = join(root, 'state');
  const config = join(root, 'reconciler.yaml');
  const reload = opts.reload?.(fake) ?? fake.reloadArgv;
  writeFileSync(config, [
    `source: { repo: ${JSON.stringify(opts.repo ?? remote.bare)}, interval: 1h, jitter: 0 }`,
    `target: { kind: local, liveFile: ${JSON.stringify(live)}, mode: '0640' }`,
    `asterisk: { cli: [${JSON.stringify(fake.bin)}, -rx], reload: ${JSON.stringify(reload)}, timeout: 30s }`,
    `stateDir: ${JSON.stringify(stateDir)}`,
    `drift: { mode: ${opts.drift ?? 'correct'} }`,
    ...(opts.http ? [`http: { listen: '127.0.0.1:0' }`] : []),
    '',
  ].join('\n'));
  return { root, remote, fake, live, stateDir, config };
}

interface Proc {
  child: ChildProcess;
  lines: Line[];
  stderr(): string;
  exited: Promise<number | null>;
  /** the first log line after index `from` that matches */
  waitLine(what: string, pred: (l: Line) => boolean, from?: number): Promise<Line>;
}

function start(env: Env, extra: string[] = []): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'reconcile', '--config', env.config, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { lines.push(JSON.parse(text) as Line); } catch { lines.push({ event: '(not json)', text }); }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return {
    child, lines, exited, stderr: () => err,
    waitLine: (what, pred, from = 0) => until(what, () => lines.slice(from).find(pred)),
  };
}

const passDone = (l: Line) => l.event === 'pass.done';
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

test('first pass applies; SIGHUP and --now each run one more; a second reconciler is refused; SIGTERM exits 0', async () => {
  const env = setup({ http: true });
  const p = start(env);
  const first = await p.waitLine('the first pass', passDone);
  assert.is(first.result, 'applied', p.stderr());
  assert.is(statSync(env.live).mode & 0o777, 0o640);
  assert.is(await env.fake.reloadCount(), 1);
  await until('the pid file', () => existsSync(pidFilePath(env.stateDir)));

  // SIGHUP: one more pass, nothing changed, no reload
  let mark = p.lines.length;
  p.child.kill('SIGHUP');
  const second = await p.waitLine('the SIGHUP pass', passDone, mark);
  assert.is(second.result, 'unchanged');
  assert.is((await readStatus(env.stateDir)).history[0]?.trigger, 'sighup');

  // a new commit + `reconcile --now --wait`: the running loop applies it
  const commit = env.remote.commit({ 'extensions/7000.yaml': 'extension: 7000\nname: Reception\ntemplate: softphone\nauth: { password: Maja1234 }\n' }, 'add 7000');
  const now = cli(['reconcile', '--now', '--wait', '--timeout', '30s', '--config', env.config]);
  assert.is(now.status, 0, now.stderr + now.stdout);
  assert.match(now.stdout, /sent SIGHUP to the reconciler \(pid \d+\)/);
  assert.match(now.stdout, /pass: applied/);
  const status = await readStatus(env.stateDir);
  assert.is(status.lastApplied?.commit, commit);
  assert.is(status.lastApplied?.extensions?.length, 25);

  // a second reconciler on the same state dir is refused
  const second2 = cli(['reconcile', '--config', env.config]);
  assert.is(second2.status, 1);
  assert.match(second2.stderr, /another reconciler holds the lock .* \(pid \d+/);

  // HTTP on the address it logged
  const listening = await p.waitLine('http.listening', (l) => l.event === 'http.listening');
  const base = `http://${String(listening.address)}`;
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${base}/healthz`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { condition: 'Ready', passRunning: false, alive: true, reason: 'ok' });
  const st = (await (await fetch(`${base}/status`)).json()) as { lastApplied: { commit: string }; reconciler: { pid: number } };
  assert.is(st.lastApplied.commit, commit);
  assert.is(st.reconciler.pid, p.child.pid);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.ok(metrics.includes('pjsip_gitops_passes_total{result="applied"} 2'), metrics);
  assert.ok(metrics.includes('pjsip_gitops_passes_total{result="unchanged"} 1'));
  assert.ok(metrics.includes('pjsip_gitops_reloads_total 2'));
  assert.ok(metrics.includes('pjsip_gitops_condition{condition="ready"} 1'));
  assert.ok(metrics.includes('pjsip_gitops_extensions 25'));
  assert.match(metrics, /^process_resident_memory_bytes [1-9]\d+$/m);

  // SIGTERM while idle: exit 0, pid file gone, lock released
  mark = p.lines.length;
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0, p.stderr());
  assert.not.ok(existsSync(pidFilePath(env.stateDir)));
  assert.ok(p.lines.slice(mark).some((l) => l.event === 'reconciler.exit'));
  const none = cli(['reconcile', '--now', '--config', env.config]);
  assert.is(none.status, 1);
  assert.match(none.stderr, /no reconcile loop runs/);
});

test('SIGTERM during a pass: the pass finishes (reload, verify), no new pass starts, exit 0', async () => {
  const root = tempDir('pjsip-gitops-slow-');
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const started = join(root, 'reload-started');
  const gate = join(root, 'reload-gate');
  const wrapper = join(root, 'slow-reload');
  // a reload that waits (bounded) until the test opens the gate: the pass is surely in hand
  const env = setup({
    reload: (fake) => {
      writeFileSync(wrapper, `#!/bin/sh\ntouch '${started}'\ni=0\nwhile [ ! -e '${gate}' ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done\n` +
        `exec '${fake.bin}' "$@"\n`);
      chmodSync(wrapper, 0o755);
      return [wrapper, '-rx', 'module reload res_pjsip.so'];
    },
  });
  const p = start(env);
  await until('the reload to start', () => existsSync(started));
  p.child.kill('SIGTERM');
  const sig = await p.waitLine('the signal to be seen', (l) => l.event === 'signal.received');
  assert.is(sig.signal, 'SIGTERM');
  const stopping = await p.waitLine('loop.stopping', (l) => l.event === 'loop.stopping');
  assert.is(stopping.passRunning, true);
  assert.is(p.child.exitCode, null, 'must not exit while the pass is in hand');
  p.child.kill('SIGHUP'); // ignored while stopping: no new pass
  writeFileSync(gate, '');
  assert.is(await p.exited, 0, p.stderr());
  const done = p.lines.filter(passDone);
  assert.is(done.length, 1);
  assert.is(done[0]!.result, 'applied', JSON.stringify(p.lines.filter((l) => l.event !== 'compile.warnings'), null, 1));
  assert.is(p.lines.filter((l) => l.event === 'pass.start').length, 1);
  const status = await readStatus(env.stateDir);
  assert.is(status.condition.type, 'Ready');
  assert.is(sha(readFileSync(env.live)), status.lastApplied?.fileSha256);
  assert.is((await env.fake.loaded()).endpoints.length, 24);
});

test('a hand edit is seen by the watcher and reverted (mode correct), mode kept', async () => {
  const env = setup();
  const p = start(env);
  await p.waitLine('the first pass', passDone);
  const applied = readFileSync(env.live);
  await p.waitLine('the watcher', (l) => l.event === 'drift.watching');
  const mark = p.lines.length;
  writeFileSync(env.live, applied.toString() + '[9999](softphone)\n; a hand edit\n');
  const noticed = await p.waitLine('drift.noticed', (l) => l.event === 'drift.noticed', mark);
  assert.is(noticed.file, env.live);
  const detected = await p.waitLine('drift.detected (the pass)', (l) => l.event === 'drift.detected', mark);
  assert.match(String(detected.diff), /^[-+]\[9999\]\(softphone\)$/m, String(detected.diff));
  const done = await p.waitLine('the drift pass', passDone, mark);
  assert.is(done.result, 'drift-corrected');
  assert.ok(readFileSync(env.live).equals(applied), 'the live file is back byte for byte');
  assert.is(statSync(env.live).mode & 0o777, 0o640);
  const status = await readStatus(env.stateDir);
  assert.is(status.history[0]?.trigger, 'drift');
  assert.is(status.counters.driftEvents, 1);
  // the revert itself (our own write) does not start another pass
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
  assert.is(p.lines.filter(passDone).length, 2);
});

test('drift in report mode: logged and reported, the hand edit stays', async () => {
  const env = setup({ drift: 'report' });
  const p = start(env);
  await p.waitLine('the first pass', passDone);
  await p.waitLine('the watcher', (l) => l.event === 'drift.watching');
  const mark = p.lines.length;
  const edited = readFileSync(env.live).toString().replace('max_contacts = 5', 'max_contacts = 1');
  assert.not.equal(edited, readFileSync(env.live).toString());
  writeFileSync(env.live, edited);
  const done = await p.waitLine('the drift pass', passDone, mark);
  assert.is(done.result, 'drift-reported');
  assert.is(readFileSync(env.live, 'utf8'), edited);
  assert.is((await env.fake.reloadCount()), 1, 'report mode reloads nothing');
  p.child.kill('SIGINT');
  assert.is(await p.exited, 0);
});

test('an unreachable remote backs off: logged waits double up to the cap', async () => {
  const env = setup({ repo: './no-such-remote.git' }); // beside the config, in the test's own folder
  const p = start(env, ['--backoff-initial', '50ms', '--backoff-max', '200ms']);
  const waits = await until('five waits', () => {
    const w = p.lines.filter((l) => l.event === 'loop.wait');
    return w.length >= 5 ? w.slice(0, 5) : undefined;
  });
  assert.equal(waits.map((w) => [w.next, w.delayMs]), [['backoff', 50], ['backoff', 100], ['backoff', 200], ['backoff', 200], ['backoff', 200]]);
  const done = p.lines.filter(passDone);
  assert.ok(done.every((l) => l.result === 'transient' && l.reason === 'FetchFailed'));
  assert.not.ok(existsSync(env.live), 'nothing written');
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
});

test('Asterisk down: transient passes back off; once it is back a pass applies and the wait is the interval again', async () => {
  const env = setup();
  env.fake.setMode({ down: true });
  const p = start(env, ['--backoff-initial', '100ms', '--backoff-max', '10m']);
  const threeWaits = () => {
    const w = p.lines.filter((l) => l.event === 'loop.wait');
    return w.length >= 3 ? w : undefined;
  };
  const waits = await until('three backoff waits', threeWaits);
  assert.equal(waits.slice(0, 3).map((w) => [w.next, w.delayMs]), [['backoff', 100], ['backoff', 200], ['backoff', 400]]);
  const failedPasses = p.lines.filter(passDone);
  assert.ok(failedPasses.every((l) => l.result === 'transient'), JSON.stringify(failedPasses));
  assert.ok(failedPasses.some((l) => l.reason === 'AsteriskUnreachable'));
  env.fake.setMode({ down: false });
  const mark = p.lines.length;
  p.child.kill('SIGHUP'); // do not wait out the backoff
  const applied = await p.waitLine('a pass that applies', (l) => passDone(l) && l.result === 'applied', mark);
  const after = await p.waitLine('the wait after it', (l) => l.event === 'loop.wait', p.lines.indexOf(applied));
  assert.equal([after.next, after.delayMs], ['interval', 3_600_000]);
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
});

test('an SSH target that is down at start: recorded as TargetUnreachable, retried with backoff, no exit', async () => {
  const env = setup();
  const key = join(env.root, 'id_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key], { stdio: 'ignore' });
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const text = readFileSync(env.config, 'utf8').replace(/^target: .*$/m,
    `target: { kind: ssh, host: 127.0.0.1, port: ${port}, user: asterisk, privateKey: ${JSON.stringify(key)}, ` +
    `hostKeyFingerprint: 'SHA256:${'A'.repeat(43)}' }`);
  writeFileSync(env.config, text);
  const p = start(env, ['--backoff-initial', '50ms', '--backoff-max', '100ms']);
  const waits = await until('two waits', () => {
    const w = p.lines.filter((l) => l.event === 'loop.wait');
    return w.length >= 2 ? w : undefined;
  });
  assert.equal(waits.slice(0, 2).map((w) => [w.next, w.delayMs]), [['backoff', 50], ['backoff', 100]]);
  const status = await readStatus(env.stateDir);
  assert.is(status.condition.type, 'Failed');
  assert.is(status.condition.reason, 'TargetUnreachable');
  assert.match(status.condition.message, new RegExp(`cannot reach the target ssh:asterisk@127\\.0\\.0\\.1:${port}`));
  assert.not.ok(p.lines.some((l) => l.event === 'drift.watching'), 'no file watch for an ssh target');
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0, p.stderr());
});

test('SSH target (real sshd): a dropped connection is a transient pass; the next pass connects afresh', async () => {
  const sshd = await startSshd();
  cleanups.push(() => sshd.stop());
  const env = setup();
  const live = join(sshd.dir, 'pjsip_wizard.conf');
  env.fake.setMode({ confPath: live });
  const text = readFileSync(env.config, 'utf8').replace(/^target: .*$/m,
    `target: { kind: ssh, host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, liveFile: ${JSON.stringify(live)}, ` +
    `privateKey: ${JSON.stringify(sshd.clientKeyPath)}, hostKeyFingerprint: '${sshd.hostKeyFingerprint}' }`);
  writeFileSync(env.config, text);
  const p = start(env, ['--backoff-initial', '100ms', '--backoff-max', '100ms']);
  const first = await p.waitLine('the first pass', passDone);
  assert.is(first.result, 'applied', JSON.stringify(first) + p.stderr());
  await p.waitLine('the wait', (l) => l.event === 'loop.wait');
  const killed = await until('the session to be killed', () => sshd.killSessions() || undefined);
  assert.ok(killed > 0);
  const mark = p.lines.length;
  p.child.kill('SIGHUP');
  const lost = await p.waitLine('the pass on the dead connection', passDone, mark);
  assert.is(lost.result, 'transient', JSON.stringify(lost));
  const back = await p.waitLine('a pass on a new connection', (l) => passDone(l) && l.condition === 'Ready', mark);
  assert.is(back.result, 'unchanged', JSON.stringify(back));
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0, p.stderr());
});

test('HTTP port taken: exit 1 with the reason, and the lock is released for the next start', async () => {
  const env = setup();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => busy.close(() => r())));
  const a = busy.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  const base = readFileSync(env.config, 'utf8');
  writeFileSync(env.config, base + `http: { listen: '127.0.0.1:${port}' }\n`);
  const r = cli(['reconcile', '--config', env.config]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot run: .*EADDRINUSE/);
  writeFileSync(env.config, base);
  const p = start(env);
  assert.is((await p.waitLine('a pass', passDone)).result, 'applied', p.stderr());
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
});

test('usage: --config required, --wait needs --now, bad durations, non-loopback http refused', async () => {
  assert.is(cli(['reconcile']).status, 2);
  const env = setup();
  assert.is(cli(['reconcile', '--config', env.config, '--wait']).status, 2);
  assert.is(cli(['reconcile', '--config', env.config, '--backoff-initial', 'soon']).status, 2);
  writeFileSync(env.config, readFileSync(env.config, 'utf8') + `http: { listen: '0.0.0.0:9187' }\n`);
  const r = cli(['reconcile', '--config', env.config]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /reconciler\.yaml/);
  assert.ok(cli(['reconcile', '--help']).stdout.includes('--now'));
});

test.run();
