// The loop on its own, with a pass function we control: triggers, coalescing, stop, backoff steps.
// Waits are polled with a bound; no assertion depends on how long anything took.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff, jitteredInterval } from '../reconciler/backoff.ts';
import { ReconcileLoop, type LoopLog, type LoopPassResult } from '../reconciler/loop.ts';

const HOUR = 3_600_000;

async function until(what: string, cond: () => boolean, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ready: LoopPassResult = { result: 'unchanged', condition: 'Ready', reason: 'Unchanged', transient: false };
const transient: LoopPassResult = { result: 'transient', condition: 'Ready', reason: 'FetchFailed', transient: true };

function recorder() {
  const events: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const log: LoopLog = (level, event, fields) => events.push({ level, event, fields });
  return { events, log, waits: () => events.filter((e) => e.event === 'loop.wait').map((e) => e.fields) };
}

/** a pass function whose passes finish only when the test says so */
function gatedPasses() {
  const triggers: string[] = [];
  let release: (() => void) | undefined;
  return {
    triggers,
    running: () => release !== undefined,
    runPass: (trigger: string) => {
      triggers.push(trigger);
      return new Promise<LoopPassResult>((resolve) => {
        release = () => { release = undefined; resolve(ready); };
      });
    },
    finish: () => release?.(),
  };
}

test('backoff doubles from 10 s to a 5 min cap and starts over after reset', () => {
  const b = new Backoff();
  const steps = Array.from({ length: 8 }, () => b.next());
  assert.equal(steps, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  assert.is(b.failures, 8);
  b.reset();
  assert.is(b.next(), 10_000);
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 1, factor: 2 }), /initialMs/);
});

test('jitter spreads the interval both ways and never goes below zero', () => {
  assert.is(jitteredInterval(60_000, 10_000, () => 0), 50_000);
  assert.is(jitteredInterval(60_000, 10_000, () => 0.5), 60_000);
  assert.is(jitteredInterval(60_000, 10_000, () => 0.999999), 60_000 + Math.round(0.999998 * 10_000));
  assert.is(jitteredInterval(1000, 5000, () => 0), 0);
  assert.is(jitteredInterval(60_000, 0, () => 0), 60_000);
});

test('first pass at start, then a trigger runs the next one at once', async () => {
  const rec = recorder();
  const triggers: string[] = [];
  const loop = new ReconcileLoop({
    runPass: async (t) => { triggers.push(t); return ready; },
    intervalMs: HOUR, jitterMs: 0, log: rec.log,
  });
  void loop.start();
  await until('the startup pass', () => rec.waits().length === 1);
  assert.equal(triggers, ['startup']);
  assert.equal(rec.waits()[0], { delayMs: HOUR, next: 'interval' });
  loop.trigger('signal');
  await until('the signalled pass', () => rec.waits().length === 2);
  assert.equal(triggers, ['startup', 'signal']);
  await loop.stop('SIGTERM');
  assert.is(loop.passCount, 2);
  assert.ok(rec.events.some((e) => e.event === 'loop.stopped'));
});

test('triggers during a pass make exactly one more pass, never two at once', async () => {
  const rec = recorder();
  const gate = gatedPasses();
  let concurrent = 0, maxConcurrent = 0;
  const loop = new ReconcileLoop({
    runPass: async (t) => {
      concurrent++; maxConcurrent = Math.max(maxConcurrent, concurrent);
      try { return await gate.runPass(t); } finally { concurrent--; }
    },
    intervalMs: HOUR, jitterMs: 0, log: rec.log,
  });
  void loop.start();
  await until('the first pass to start', gate.running);
  loop.trigger('signal');
  loop.trigger('drift');
  loop.trigger('signal');
  assert.is(rec.events.filter((e) => e.event === 'loop.queued').length, 1);
  gate.finish();
  await until('the queued pass to start', () => gate.triggers.length === 2 && gate.running());
  assert.equal(gate.triggers, ['startup', 'signal']);
  gate.finish();
  await until('the loop to wait', () => rec.waits().length === 1);
  assert.is(maxConcurrent, 1);
  await loop.stop();
  assert.is(gate.triggers.length, 2);
});

test('stop during a pass lets it finish and starts no other', async () => {
  const rec = recorder();
  const gate = gatedPasses();
  const loop = new ReconcileLoop({ runPass: gate.runPass, intervalMs: HOUR, jitterMs: 0, log: rec.log });
  void loop.start();
  await until('the pass to start', gate.running);
  let stopped = false;
  const stopping = loop.stop('SIGTERM').then(() => { stopped = true; });
  loop.trigger('signal'); // ignored: stopping
  // the stop request is in (logged); only the gate can end the pass, so stop is still waiting
  await until('the stop to be logged', () => rec.events.some((e) => e.event === 'loop.stopping'));
  assert.is(stopped, false, 'stop must wait for the pass in hand');
  assert.is(loop.health().alive, false);
  gate.finish();
  await stopping;
  assert.equal(gate.triggers, ['startup']);
  assert.is(loop.lastResult?.condition, 'Ready', 'the pass in hand completed');
  assert.is(rec.waits().length, 0);
  const stoppingEvent = rec.events.find((e) => e.event === 'loop.stopping');
  assert.is(stoppingEvent?.fields.passRunning, true);
});

test('transient failures back off exponentially up to the cap; a good pass resets', async () => {
  const rec = recorder();
  const script = [transient, transient, transient, transient, ready, transient];
  let i = 0;
  const loop = new ReconcileLoop({
    runPass: async () => script[Math.min(i++, script.length - 1)]!,
    intervalMs: HOUR, jitterMs: 0, log: rec.log,
    backoff: { initialMs: 1, maxMs: 4, factor: 2 },
  });
  void loop.start();
  try {
    await until('five passes', () => rec.waits().length === 5);
    loop.trigger('signal'); // the good pass waits the interval: end that wait
    await until('six passes', () => rec.waits().length >= 6);
  } finally {
    await loop.stop();
  }
  assert.equal(rec.waits().slice(0, 6).map((w) => [w.next, w.delayMs]), [
    ['backoff', 1], ['backoff', 2], ['backoff', 4], ['backoff', 4], ['interval', HOUR], ['backoff', 1],
  ]);
});

test('a pass that throws is logged and retried like a transient failure', async () => {
  const rec = recorder();
  let n = 0;
  const loop = new ReconcileLoop({
    runPass: async () => { if (n++ === 0) throw new Error('boom'); return ready; },
    intervalMs: HOUR, jitterMs: 0, log: rec.log, backoff: { initialMs: 1, maxMs: 1, factor: 1 },
  });
  void loop.start();
  await until('the retry', () => rec.waits().length === 2);
  await loop.stop();
  assert.ok(rec.events.some((e) => e.event === 'loop.pass-error' && e.fields.error === 'boom'));
  assert.equal(rec.waits().map((w) => w.next), ['backoff', 'interval']);
});

test('health: alive while waiting; not alive when a pass hangs or the wait is overdue', async () => {
  const rec = recorder();
  let clock = 1_000_000;
  const gate = gatedPasses();
  const loop = new ReconcileLoop({
    runPass: gate.runPass, intervalMs: 60_000, jitterMs: 0, log: rec.log,
    stuckAfterMs: 10_000, overdueAfterMs: 5_000, now: () => clock,
  });
  assert.is(loop.health().alive, false);
  void loop.start();
  await until('the pass to start', gate.running);
  assert.equal(loop.health(), { alive: true, reason: 'ok', condition: undefined, passRunning: true });
  clock += 11_000;
  assert.is(loop.health().alive, false);
  assert.match(loop.health().reason, /pass running for 11 s/);
  gate.finish();
  await until('the wait', () => rec.waits().length === 1);
  assert.equal(loop.health(), { alive: true, reason: 'ok', condition: 'Ready', passRunning: false });
  clock += 66_000;
  assert.match(loop.health().reason, /overdue by 6 s/);
  await loop.stop();
});

test.run();
