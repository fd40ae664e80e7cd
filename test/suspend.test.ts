// `pjsip-gitops suspend` / `resume`, as Flux has them: while suspended a pass compares and reports
// (a new commit as pending, drift as found) and ends Suspended without writing or reloading; apply
// refuses (its dry run still works); status, /status and the suspended gauge say so. The suspension
// is a file in the state dir, so it holds across a restart of the loop (a real process here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliArgv, ROOT, runCliInProcess } from './helpers/cli.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';
import { readStatus, readStatusChecked, statusPath } from '../reconciler/state.js';
import { suspensionPath } from '../reconciler/suspension.js';

const fixtures: PassFixture[] = [];
const children: ChildProcess[] = [];
test.after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of fixtures) f.cleanup();
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

/** A fixture with a config file whose interval is long (only the passes a test causes run) and HTTP on a free port. */
async function setup(live?: string): Promise<{ f: PassFixture; config: string }> {
  const f = await passFixture(live === undefined ? {} : { live });
  fixtures.push(f);
  const config = join(f.root, 'suspend.yaml');
  writeFileSync(config, [
    `source: { repo: ${JSON.stringify(f.remote.bare)}, interval: 1h, jitter: 0 }`,
    `target: { kind: local, liveFile: ${JSON.stringify(f.liveFile)} }`,
    `asterisk: { cli: ${JSON.stringify([f.fake.bin, '-rx'])}, reload: ${JSON.stringify(f.fake.reloadArgv)}, timeout: 30s }`,
    `stateDir: ${JSON.stringify(f.stateDir)}`,
    `http: { listen: '127.0.0.1:0' }`,
    '',
  ].join('\n'));
  return { f, config };
}

const cli = (...args: string[]) => runCliInProcess(args);

test('suspended: apply refuses (its dry run works), a pass reports a new commit and drift without writing or reloading; resume applies', async () => {
  const { f, config } = await setup();
  assert.is((await cli('apply', '--config', config, '--quiet')).code, 0);
  assert.is((await cli('suspend', '--config', config)).code, 2, '--reason is required');
  const s = await cli('suspend', '--config', config, '--reason', 'Asterisk upgrade, ticket 4711');
  assert.is(s.code, 0, s.stderr);

  const json = JSON.parse((await cli('status', '--config', config, '--format', 'json')).stdout) as { suspended?: { reason: string; since: string } };
  assert.is(json.suspended?.reason, 'Asterisk upgrade, ticket 4711');
  assert.ok(Date.parse(json.suspended!.since) > 0);
  assert.match((await cli('status', '--config', config)).stdout, /Asterisk upgrade, ticket 4711/);

  f.remote.commit({ 'extensions/7000.yaml': 'extension: 7000\nname: Lab\ntemplate: softphone\nauth: { password: Maja1234 }\n' }, 'add 7000');
  const bytes = f.live()!;
  const reloads = await f.fake.reloadCount();
  const refused = await cli('apply', '--config', config, '--format', 'json', '--quiet');
  assert.is(refused.code, 1);
  assert.is((JSON.parse(refused.stdout) as { reason: string }).reason, 'Suspended');
  assert.match(refused.stderr, /ticket 4711/);
  const dry = await cli('apply', '--config', config, '--dry-run', '--detailed-exitcode', '--quiet');
  assert.is(dry.code, 2, dry.stdout + dry.stderr);

  // the loop's pass: the new commit is reported, nothing written, nothing reloaded
  const pending = await f.pass();
  assert.equal([pending.result, pending.condition, pending.reason], ['suspended', 'Stalled', 'Suspended']);
  assert.equal(pending.changes?.added, ['7000']);
  assert.ok(f.live()!.equals(bytes));
  assert.is(await f.fake.reloadCount(), reloads);
  assert.equal([(await readStatus(f.stateDir)).condition.reason, (await readStatus(f.stateDir)).lastAttempt?.reason], ['Suspended', 'Suspended']);

  // drift (drift mode correct): reported, not corrected
  const edited = Buffer.from(bytes.toString('utf8').replace('endpoint/context = internal', 'endpoint/context = by-hand'));
  writeFileSync(f.liveFile, edited);
  const drift = await f.pass();
  assert.is(drift.reason, 'Suspended');
  assert.ok(f.live()!.equals(edited));
  assert.is(await f.fake.reloadCount(), reloads);
  const status = await readStatus(f.stateDir);
  assert.is(status.condition.reason, 'Suspended');

  const r = await cli('resume', '--config', config);
  assert.is(r.code, 0, r.stderr);
  assert.is((await cli('resume', '--config', config)).code, 0, 'resuming twice is fine');
  const applied = await f.pass();
  assert.equal([applied.result, applied.condition], ['applied', 'Ready']);
  assert.match(f.live()!.toString('utf8'), /^\[7000\]/m);
  assert.not.match(f.live()!.toString('utf8'), /by-hand/);
  assert.is((await readStatus(f.stateDir)).suspended, undefined);
});

test('the status file keeps a suspended field through repair; a suspension file that cannot be understood still suspends', async () => {
  const { f } = await setup();
  const raw = { version: 1, condition: { type: 'Ready', reason: 'Applied', message: 'm', since: '2026-01-01T00:00:00Z' },
    history: [], counters: { passes: { suspended: 2 }, reloads: 0, driftEvents: 0 } };
  mkdirSync(f.stateDir, { recursive: true });
  writeFileSync(statusPath(f.stateDir), JSON.stringify({ ...raw, suspended: { reason: 'r', since: '2026-01-01T00:00:00Z' } }));
  assert.equal((await readStatusChecked(f.stateDir)).repairs, []);
  writeFileSync(statusPath(f.stateDir), JSON.stringify({ ...raw, suspended: { reason: 5 } }));
  assert.ok((await readStatusChecked(f.stateDir)).repairs.some((x) => x.startsWith('suspended')));

  writeFileSync(suspensionPath(f.stateDir), '{ not json');
  const r = await f.pass();
  assert.is(r.reason, 'Suspended');
  assert.is(f.live(), null);
});

interface Line { event: string; [k: string]: unknown }
function startLoop(config: string): { child: ChildProcess; lines: Line[]; exited: Promise<number | null>; waitLine(pred: (l: Line) => boolean, from?: number): Promise<Line> } {
  const child = spawn(process.execPath, cliArgv(['reconcile', '--config', config]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Line[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      try { lines.push(JSON.parse(buf.slice(0, i)) as Line); } catch { lines.push({ event: '(not json)' }); }
    }
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, waitLine: (pred, from = 0) => until('a log line', () => lines.slice(from).find(pred)) };
}
const passDone = (l: Line) => l.event === 'pass.done';

test('a real loop: suspended, it writes nothing; restarted, still suspended; resume → its next pass applies', async () => {
  const HAND = '; hand-made, before the reconciler\n[6000]\ntype = wizard\n';
  const { f, config } = await setup(HAND);
  assert.is((await cli('suspend', '--config', config, '--reason', 'maintenance')).code, 0);

  let loop = startLoop(config);
  let done = await loop.waitLine(passDone);
  assert.equal([done.result, done.reason], ['suspended', 'Suspended']);
  assert.is(readFileSync(f.liveFile, 'utf8'), HAND);
  assert.is(await f.fake.reloadCount(), 0);
  const base = `http://${String((await loop.waitLine((l) => l.event === 'http.listening')).address)}`;
  assert.is(((await (await fetch(`${base}/status`)).json()) as { suspended?: { reason: string } }).suspended?.reason, 'maintenance');
  assert.match(await (await fetch(`${base}/metrics`)).text(), /^pjsip_gitops_suspended 1$/m);
  loop.child.kill('SIGTERM');
  assert.is(await loop.exited, 0);

  loop = startLoop(config);
  const started = await loop.waitLine((l) => l.event === 'reconciler.start');
  assert.is((started.suspended as { reason: string } | undefined)?.reason, 'maintenance');
  done = await loop.waitLine(passDone);
  assert.is(done.reason, 'Suspended');
  assert.is(readFileSync(f.liveFile, 'utf8'), HAND);

  const mark = loop.lines.length;
  const resumed = await cli('resume', '--config', config);
  assert.is(resumed.code, 0, resumed.stderr);
  done = await loop.waitLine(passDone, mark);
  assert.equal([done.result, done.condition], ['applied', 'Ready']);
  assert.match(readFileSync(f.liveFile, 'utf8'), /^\[6023\]/m);
  const base2 = `http://${String((await loop.waitLine((l) => l.event === 'http.listening')).address)}`;
  assert.match(await (await fetch(`${base2}/metrics`)).text(), /^pjsip_gitops_suspended 0$/m);
  loop.child.kill('SIGTERM');
  assert.is(await loop.exited, 0);
});

test.run();
