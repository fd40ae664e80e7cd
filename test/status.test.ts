// `pjsip-gitops status` (in-process) over real status files: text for a person, json as
// written, exit 0 only when Ready.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyStatus, writeStatus, type Status } from '../reconciler/state.ts';
import { formatStatus } from '../cli/host/status.ts';
import type { PassResult } from '../reconciler/pass-types.ts';
import { runCliInProcess } from './helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'pjsip-gitops-status-'));
const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function cli(args: string[]) {
  const r = await runCliInProcess(['status', ...args], { env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function pass(over: Partial<PassResult>): PassResult {
  return {
    result: 'applied', condition: 'Ready', reason: 'Applied', message: 'wrote and reloaded; 24 endpoints loaded',
    commit: COMMIT, hash: 'f'.repeat(64), reloaded: true, reloadCount: 1, transient: false, trigger: 'startup',
    startedAt: '2026-01-02T03:04:05.678Z', durationMs: 812, ...over,
  };
}

function readyStatus(): Status {
  const s = emptyStatus();
  const p = pass({});
  s.lastApplied = { commit: COMMIT, hash: 'f'.repeat(64), fileSha256: 'e'.repeat(64), time: p.startedAt,
    extensions: ['6000', '6001', '6010'] };
  s.lastAttempt = { time: p.startedAt, commit: COMMIT, result: 'applied', reason: 'Applied' };
  s.condition = { type: 'Ready', reason: 'Applied', message: p.message, since: p.startedAt };
  s.history = [pass({ result: 'unchanged', reason: 'Unchanged', reloaded: false, reloadCount: 0, trigger: 'interval',
    startedAt: '2026-01-02T03:05:05.000Z', durationMs: 95 }), p];
  s.counters = { passes: { applied: 1, unchanged: 1 }, reloads: 1, driftEvents: 0, lastSuccessTime: '2026-01-02T03:05:05.000Z' };
  return s;
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('Ready: text shows condition, last applied, attempt and the passes table; exit 0', async () => {
  const dir = join(root, 'ready');
  await writeStatus(dir, readyStatus());
  const r = await cli(['--state-dir', dir]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^condition: +Ready \(Applied\) since 2026-01-02T03:04:05Z/m);
  assert.match(r.out, /^last applied: +commit a1b2c3d4e5f6 +hash ffffffffffffffff +at 2026-01-02T03:04:05Z.*, 3 extensions$/m);
  assert.match(r.out, /^last attempt: +2026-01-02T03:04:05Z.* applied \(Applied\) +commit a1b2c3d4e5f6$/m);
  assert.match(r.out, /^reconciler: +not running$/m);
  assert.match(r.out, /^ +started +trigger +result +reason +commit +took +reloads$/m);
  assert.match(r.out, /^ +2026-01-02T03:05:05Z +interval +unchanged +Unchanged +a1b2c3d4e5f6 +0\.1 s +0$/m);
  assert.match(r.out, /^ +2026-01-02T03:04:05Z +startup +applied +Applied +a1b2c3d4e5f6 +0\.8 s +1$/m);
});

test('json prints the status file as written', async () => {
  const dir = join(root, 'json');
  const s = readyStatus();
  await writeStatus(dir, s);
  const r = await cli(['--state-dir', dir, '--format', 'json']);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), s);
});

test('Stalled with diagnostics: exit 1, problems listed; --config finds the state dir', async () => {
  const dir = join(root, 'stalled');
  const s = readyStatus();
  const p = pass({ result: 'stalled', condition: 'Stalled', reason: 'CompileFailed', message: 'commit does not compile; live file kept',
    reloaded: false, reloadCount: 0, diagnostics: ['6001.yaml:3:7  SCHEMA_TYPE  name must be a string'] });
  s.condition = { type: 'Stalled', reason: 'CompileFailed', message: p.message, since: p.startedAt };
  s.history = [p, ...s.history];
  await writeStatus(dir, s);
  const config = join(root, 'stalled.yaml');
  writeFileSync(config, `source: { repo: ./nowhere.git }\nstateDir: ./stalled\n`);
  const r = await cli(['--config', config]);
  assert.is(r.code, 1);
  assert.match(r.out, /^condition: +Stalled \(CompileFailed\)/m);
  assert.match(r.out, /^message: +commit does not compile; live file kept$/m);
  assert.match(r.out, /problems in the last pass:\n +6001\.yaml:3:7 +SCHEMA_TYPE/);
});

test('no status yet: NeverRun, exit 1', async () => {
  const r = await cli(['--state-dir', join(root, 'empty')]);
  assert.is(r.code, 1);
  assert.match(r.out, /condition: +Stalled \(NeverRun\)/);
  assert.match(r.out, /last applied: +never/);
});

test('usage errors exit 2', async () => {
  assert.is((await cli([])).code, 2);
  assert.is((await cli(['--state-dir', root, '--format', 'yaml'])).code, 2);
  assert.is((await cli(['--bogus'])).code, 2);
  const bad = join(root, 'bad.yaml');
  writeFileSync(bad, 'source: {}\n');
  const r = await cli(['--config', bad]);
  assert.is(r.code, 2);
  assert.match(r.err, /bad\.yaml:1/);
  const help = await cli(['--help']);
  assert.is(help.code, 0);
  assert.match(help.out, /--format text\|json/);
});

test('formatStatus says how long ago', () => {
  const text = formatStatus(readyStatus(), 'not running', new Date('2026-01-02T03:06:05.678Z'));
  assert.match(text, /since 2026-01-02T03:04:05Z \(2 min ago\)/);
  assert.match(text, /last attempt: +2026-01-02T03:04:05Z \(2 min ago\)/);
});

test.run();
