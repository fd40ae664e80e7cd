// The pending marker says "this file may be live and is not verified yet". A write that failed with
// the old file in place, or a marker whose file never reached the live path, must not make the next
// pass "resume", count drift, or reload for nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markPending, readStatus, sha256 } from '../reconciler/state.js';
import { errnoError, faultyTarget } from './helpers/faulty-target.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

const SHIPPED_6001 = readFileSync(join(process.cwd(), 'extensions/6001.yaml'), 'utf8');
const ext6001 = (name: string) => `extension: 6001\nname: ${name}\nauth: { password: Maja1234 }\n`;
const has = (f: PassFixture, event: string) => f.logLines.some((l) => (JSON.parse(l) as { event: string }).event === event);

async function applied(): Promise<PassFixture> {
  const f = await passFixture();
  fixtures.push(f);
  assert.is((await f.pass()).result, 'applied');
  return f;
}

test('a write that fails before the rename leaves no marker; the next pass does not resume, count drift or reload', async () => {
  const f = await applied();
  const good = f.live()!;
  const real = f.deps.target;
  // a full disk: the Target throws before its rename, the old file stays (injected: no real disk fills up on demand)
  f.deps.target = faultyTarget(real, { write: () => errnoError('ENOSPC', 'no space left on device') });
  f.remote.commit({ 'extensions/6001.yaml': ext6001('Never Written') });
  const r = await f.pass();
  assert.is(r.reason, 'WriteFailed', r.message);
  assert.is(r.result, 'transient');
  assert.equal(f.live(), good);
  assert.is((await readStatus(f.stateDir)).pending, undefined, 'the marker is cleared: the old file is in place');

  // the commit is reverted and the disk has room again: nothing to do
  f.deps.target = real;
  f.remote.commit({ 'extensions/6001.yaml': SHIPPED_6001 });
  const next = await f.pass();
  assert.is(next.result, 'unchanged', next.message);
  assert.is(next.reloaded, false);
  assert.is(await f.fake.reloadCount(), 1);
  assert.not.ok(has(f, 'pass.resume'), 'no false resume');
  assert.is((await readStatus(f.stateDir)).counters.driftEvents, 0);
});

test('a marker whose file never reached the live path (killed before the rename) is dropped, not resumed', async () => {
  const f = await applied();
  const good = f.live()!;
  const other = Buffer.from(good.toString().replace('"Turret Desk 2" <6001>', '"Never Renamed" <6001>'));
  await markPending(f.stateDir, { commit: f.remote.head(), fileSha256: sha256(other), backup: '', since: new Date().toISOString(), pid: 1 });
  const r = await f.pass();
  assert.is(r.result, 'unchanged', r.message);
  assert.is(r.reloaded, false);
  assert.is(await f.fake.reloadCount(), 1);
  assert.not.ok(has(f, 'pass.resume'));
  assert.ok(has(f, 'pass.pending-cleared'));
  const status = await readStatus(f.stateDir);
  assert.is(status.pending, undefined);
  assert.is(status.counters.driftEvents, 0);
});

test('a marker equal to the live file is still resumed: reload and verify', async () => {
  const f = await applied();
  const good = f.live()!;
  await markPending(f.stateDir, { commit: f.remote.head(), fileSha256: sha256(good), backup: '', since: new Date().toISOString(), pid: 1 });
  const r = await f.pass();
  assert.is(r.result, 'applied', r.message);
  assert.is(await f.fake.reloadCount(), 2);
  assert.ok(has(f, 'pass.resume'));
  assert.is((await readStatus(f.stateDir)).pending, undefined);
});

test.run();
