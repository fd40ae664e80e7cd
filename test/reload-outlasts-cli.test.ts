// A reload longer than `asterisk -rx`'s own wait: the CLI gives up after 60 s without output and
// exits silent while Asterisk goes on reloading (main/asterisk.c of 22.10.1). Its outcome is unknown,
// not failed: the pass waits for the reload to end (`module show like` answers only then), within the
// reload timeout, and verify decides; a rollback never writes the file under a reload still running.
// On the fake Asterisk with short figures: `cliSilenceMs` plays the 60 s, `outlastedCliAfterMs` the
// pass's 59 s threshold.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OUTLASTED_CLI_AFTER_MS, type AsteriskOptions } from '../reconciler/asterisk.js';
import { readStatus, writeStatus } from '../reconciler/state.js';
import { createFakeAsterisk } from './helpers/fake-asterisk.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

interface Event { event: string; [k: string]: unknown }
const events = (f: PassFixture, name: string, since = 0) => f.logLines.slice(since).map((l) => JSON.parse(l) as Event).filter((e) => e.event === name);
const ext6001 = (name: string) => `extension: 6001\nname: ${name}\nauth: { password: Maja1234 }\n`;
const REPLACED = /pjsip_wizard\.conf was replaced while a reload was reading it/;

function cli(bin: string, command: string): { out: string; ms: number } {
  const t0 = performance.now();
  const out = execFileSync(bin, ['-rx', command], { encoding: 'utf8' });
  return { out, ms: performance.now() - t0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the 59 s threshold is under asterisk -rx\'s 60 s poll', () => {
  assert.ok(OUTLASTED_CLI_AFTER_MS < 60_000 && OUTLASTED_CLI_AFTER_MS >= 55_000);
});

test('fake: a reload slower than the CLI\'s wait returns silent and ends later; meanwhile a reload is "in progress" and queues nothing', async () => {
  const fake = createFakeAsterisk({ cliSilenceMs: 500, reloadDelayMs: 4000 });
  cleanups.push(() => fake.cleanup());
  writeFileSync(fake.mode().confPath!, '[6001]\ntype = wizard\naccepts_auth = yes\ninbound_auth/password = x1\n');
  const t0 = performance.now();
  const first = cli(fake.bin, 'module reload res_pjsip.so');
  assert.is(first.out, '', 'silent');
  assert.ok(first.ms >= 500 && first.ms < 4000, `returned after ${first.ms} ms`);
  assert.match(cli(fake.bin, 'module reload res_pjsip.so').out, /^A module reload request is already in progress; please be patient$/m);
  assert.equal((await fake.loaded()).endpoints, [], 'nothing loaded yet');
  assert.match(cli(fake.bin, 'pjsip show endpoints').out, /No objects found/);
  // `module show like` waits for the end, or gives up silent as the CLI does
  let probes = 0;
  for (;;) {
    probes++;
    const p = cli(fake.bin, 'module show like res_pjsip.so');
    if (/1 modules loaded/.test(p.out)) break;
    assert.is(p.out, '');
  }
  assert.ok(performance.now() - t0 >= 4000, 'answered once the reload ended');
  assert.ok(probes >= 2, `${probes} probes`);
  assert.equal((await fake.loaded()).endpoints, ['6001']);
  // the "in progress" answer started nothing: the next reload is a quick one of its own
  fake.setMode({ cliSilenceMs: 0, reloadDelayMs: 0 });
  assert.match(cli(fake.bin, 'module reload res_pjsip.so').out, /reloaded successfully/);
  assert.not.match(await fake.log(), REPLACED);
});

test('fake: a file replaced under a running reload is logged (what the pass must never do)', async () => {
  const fake = createFakeAsterisk({ cliSilenceMs: 200, reloadDelayMs: 800 });
  cleanups.push(() => fake.cleanup());
  writeFileSync(fake.mode().confPath!, '[6001]\ntype = wizard\n');
  cli(fake.bin, 'module reload res_pjsip.so');
  writeFileSync(fake.mode().confPath!, '[6002]\ntype = wizard\n');
  await sleep(900);
  cli(fake.bin, 'core show version');
  assert.match(await fake.log(), REPLACED);
  assert.equal((await fake.loaded()).endpoints, ['6001'], 'the fake loads what the reload started with');
});

/** A fixture after its first pass, with the short threshold; the status's last reload says the shipped 24 took 100 ms. */
async function applied(outlastedCliAfterMs: number): Promise<PassFixture> {
  const f = await passFixture();
  cleanups.push(() => f.cleanup());
  const first = await f.pass();
  assert.is(first.result, 'applied', first.message);
  (f.config.asterisk as AsteriskOptions).outlastedCliAfterMs = outlastedCliAfterMs;
  const s = await readStatus(f.stateDir);
  s.lastReload = { durationMs: 100, endpoints: 24, time: new Date().toISOString() };
  await writeStatus(f.stateDir, s);
  return f;
}

const reloads = async (f: PassFixture) => (await f.fake.commands()).filter((c) => /^module reload/.test(c)).length;

test('a silent return that ends later is waited for, verified and applied: no rollback', async () => {
  const f = await applied(250);
  f.config.asterisk.timeoutMs = 4000;
  f.fake.setMode({ cliSilenceMs: 300, reloadDelaysMs: [1500] });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Slow Desk') });
  const since = f.logLines.length;
  const before = await reloads(f);
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  const [outlasted] = events(f, 'reload.outlasted-cli', since);
  assert.ok(outlasted, 'reload.outlasted-cli logged');
  assert.is(outlasted!.for, 'new file');
  assert.ok((outlasted!.afterMs as number) >= 300);
  const [ended] = events(f, 'reload.ended', since);
  assert.ok((ended?.durationMs as number) >= 1500, `ended after ${ended?.durationMs} ms`);
  assert.is(events(f, 'rollback.done', since).length, 0);
  assert.is(events(f, 'asterisk.verified', since).length, 1);
  assert.is(await reloads(f) - before, 1, 'one reload: the waiting asked `module show like`, never another reload');
  assert.match((await f.fake.loaded()).objects.endpoint?.['6001']?.fields.callerid ?? '', /Slow Desk/);
  assert.ok(((await readStatus(f.stateDir)).lastReload?.durationMs ?? 0) >= 1500, 'the reload\'s real length is the next measure');
  assert.not.match(await f.fake.log(), REPLACED);
});

test('a silent return that does not end within the timeout is rolled back only after it ended: no collision', async () => {
  const f = await applied(300);
  f.config.asterisk.timeoutMs = 2000;
  const old = readFileSync(f.liveFile);
  // the new file's reload takes 3 s (the CLI gives up at 0.4 s); the rollback's is quick
  f.fake.setMode({ cliSilenceMs: 400, reloadDelaysMs: [3000, 0] });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Never Desk') });
  const since = f.logLines.length;
  const t0 = performance.now();
  const r = await f.pass();
  const ms = performance.now() - t0;
  assert.is(r.reason, 'AsteriskTimeout', r.message);
  assert.match(r.message, /still reloading when the 2000 ms timeout passed/);
  assert.match(r.message, /restored the previous file and reloaded it/);
  assert.ok(events(f, 'reload.outlasted-cli', since).length === 1);
  assert.ok(events(f, 'reload.unfinished', since).length === 1);
  const [waited] = events(f, 'rollback.reload-ended', since);
  assert.ok(waited, 'the rollback waited for the reload to end');
  assert.ok(ms >= 3000, `the pass took ${ms} ms: the rollback did not start before the reload ended`);
  assert.ok(readFileSync(f.liveFile).equals(old), 'the previous file is live');
  const loaded = await f.fake.loaded();
  assert.not.match(loaded.objects.endpoint?.['6001']?.fields.callerid ?? '', /Never Desk/);
  assert.not.match(await f.fake.log(), REPLACED);
  const [done] = events(f, 'rollback.done', since);
  assert.is(done?.reloaded, true);
});

test('a reload still running after the rollback\'s own wait is not rolled back over', async () => {
  const f = await applied(300);
  f.config.asterisk.timeoutMs = 1500;
  f.fake.setMode({ cliSilenceMs: 400, reloadDelaysMs: [30_000] });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Stuck Desk') });
  const since = f.logLines.length;
  const r = await f.pass();
  assert.is(r.reason, 'AsteriskTimeout', r.message);
  assert.match(r.message, /NOT ROLLED BACK: Asterisk was still reloading the new file after another 1500 ms/);
  assert.is(events(f, 'rollback.reload-still-running', since).length, 1);
  assert.is(events(f, 'rollback.done', since).length, 0);
  assert.match(f.live()!.toString('utf8'), /Stuck Desk/, 'the new file stays live: nothing written under the reload');
});

test('a quick reload with no success line still fails at once, and so does a silent one under the threshold', async () => {
  const f = await applied(60_000);
  // `module reload` alone prints nothing: no `reloaded successfully`
  f.config.asterisk.reload = [f.fake.bin, '-rx', 'module reload'];
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Quiet Desk') });
  let since = f.logLines.length;
  const r = await f.pass();
  assert.is(r.reason, 'ReloadFailed', r.message);
  assert.is(events(f, 'reload.outlasted-cli', since).length, 0);
  assert.not.ok((await f.fake.commands()).includes('module show like res_pjsip.so'), 'no wait');

  // silent after 0.4 s, with the threshold at 60 s: a failure, not an outlasted CLI
  f.config.asterisk.reload = f.fake.reloadArgv;
  f.fake.setMode({ cliSilenceMs: 400, reloadDelaysMs: [1000, 0] });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Short Desk') });
  since = f.logLines.length;
  const r2 = await f.pass();
  assert.is(r2.reason, 'ReloadFailed', r2.message);
  assert.is(events(f, 'reload.outlasted-cli', since).length, 0);
});

test.run();
