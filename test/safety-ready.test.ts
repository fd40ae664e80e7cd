// Ready is said only of content that verified: a failed commit whose rollback could not be written
// stays failed content while it is live — the next pass reports Failed or deploys it again (reload +
// verify), never "unchanged".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPass } from '../reconciler/pass.js';
import { readStatus, sha256 } from '../reconciler/state.js';
import { createFakeAsterisk } from './helpers/fake-asterisk.js';
import { errnoError, faultyTarget, isReload } from './helpers/faulty-target.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const cleanups: (() => void)[] = [];
test.after(() => { for (const c of cleanups) c(); });

const EXT_7000 = { 'extensions/7000.yaml': 'extension: 7000\nname: Lab Phone\ntemplate: softphone\nauth: { password: Maja1234 }\n' };

/**
 * Applied once, then a new commit; from the first reload on, the live folder refuses writes (as if
 * remounted read-only). Root ignores chmod 0555, so the fault is injected at the Target instead.
 */
async function readOnlyAfterReload(): Promise<{ f: PassFixture; good: Buffer; faults: { armed: boolean; readOnly: boolean } }> {
  const f = await passFixture();
  cleanups.push(() => f.cleanup());
  assert.is((await f.pass()).result, 'applied');
  const faults = { armed: true, readOnly: false };
  f.deps.target = faultyTarget(f.deps.target, {
    exec: (argv) => { if (faults.armed && isReload(argv)) faults.readOnly = true; },
    write: () => (faults.readOnly ? errnoError('EROFS', 'read-only file system') : undefined),
  });
  f.remote.commit(EXT_7000);
  return { f, good: f.live()!, faults };
}

test('rollback could not write: the failed commit is recorded as failed and never later called Ready', async () => {
  const { f, good, faults } = await readOnlyAfterReload();
  f.fake.setMode({ dropSections: ['7000'] });
  const r = await f.pass();
  assert.is(r.result, 'failed', r.message);
  assert.is(r.reason, 'VerifyFailed');
  assert.match(r.message, /ROLLBACK FAILED/);
  const failedFile = f.live()!;
  assert.not.equal(failedFile, good, 'the failed file stayed live');
  let status = await readStatus(f.stateDir);
  assert.is(status.lastFailed?.fileSha256, sha256(failedFile));
  assert.is(status.lastApplied?.fileSha256, sha256(good));

  // the loop's next pass: the live file equals the commit, but that content failed
  const reloads = await f.fake.reloadCount();
  const auto = await runPass(f.deps, { trigger: 'interval' });
  assert.is(auto.condition, 'Failed', auto.message);
  assert.is(auto.result, 'failed');
  assert.is(auto.reason, 'VerifyFailed');
  assert.is(await f.fake.reloadCount(), reloads, 'known-bad content is not reloaded by an automatic pass');
  status = await readStatus(f.stateDir);
  assert.is(status.lastApplied?.fileSha256, sha256(good), 'the failed commit is not recorded as applied');
  assert.is(status.condition.type, 'Failed');

  // a manual pass deploys it again — reload and verify — and it fails again
  const manual = await runPass(f.deps, { trigger: 'sighup' });
  assert.is(manual.condition, 'Failed', manual.message);
  assert.is(manual.reason, 'VerifyFailed');
  assert.ok(await f.fake.reloadCount() > reloads, 'the manual pass reloaded');

  // fixed on the host: the folder is writable again and Asterisk, restarted, takes 7000 (the wizard
  // re-applies only changed sections without a restart); the same commit now verifies
  faults.armed = false;
  faults.readOnly = false;
  f.fake.setMode({ dropSections: [] });
  f.fake.restart();
  const fixed = await runPass(f.deps, { trigger: 'sighup' });
  assert.is(fixed.result, 'applied', fixed.message);
  assert.is(fixed.reloaded, true);
  assert.ok((await f.fake.loaded()).endpoints.includes('7000'));
  status = await readStatus(f.stateDir);
  assert.is(status.lastApplied?.fileSha256, sha256(failedFile));
  assert.is(status.lastFailed, undefined);
});

test('a transient reload failure whose rollback could not write: the next pass deploys again, not "unchanged"', async () => {
  const { f } = await readOnlyAfterReload();
  // Asterisk is down when the reload comes (the checks before it still answered)
  const down = createFakeAsterisk({ confPath: f.liveFile, down: true });
  cleanups.push(() => down.cleanup());
  f.config.asterisk.reload = down.reloadArgv;
  const r = await f.pass();
  assert.is(r.result, 'transient', r.message);
  assert.match(r.message, /ROLLBACK FAILED/);
  const status = await readStatus(f.stateDir);
  assert.is(status.lastFailed?.fileSha256, sha256(f.live()!));
  assert.is(status.lastFailed?.transient, true);
  // the loop's backoff pass retries it (transient), and it is not Ready while Asterisk is down
  const next = await runPass(f.deps, { trigger: 'backoff' });
  assert.is.not(next.result, 'unchanged', next.message);
  assert.is(next.reason, 'AsteriskUnreachable');
  assert.ok(next.steps?.some((s) => s.name === 'reload'), 'the retry reached the reload');
});

test.run();
