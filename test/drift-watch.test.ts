// The drift watcher on a real folder with real chokidar events: hand edits are reported once, our
// own writes (same content as expected), our temp files and other files are not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOwnTempFile, startDriftWatch, type DriftEvent, type DriftWatch } from '../reconciler/drift-watch.ts';
import { sha256 } from '../reconciler/state.ts';
import type { LoopLog } from '../reconciler/loop.ts';

const APPLIED = '[6001](softphone)\nendpoint/callerid = "Desk" <6001>\n';
const HAND_EDIT = APPLIED + 'endpoint/context = somewhere-else\n';

const dirs: string[] = [];
const watches: DriftWatch[] = [];
test.after(async () => {
  for (const w of watches) await w.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(opts: { initial?: string | null; expected?: string; busy?: () => boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-drift-'));
  dirs.push(dir);
  const live = join(dir, 'pjsip_wizard.conf');
  if (opts.initial !== null) writeFileSync(live, opts.initial ?? APPLIED);
  const drifts: DriftEvent[] = [];
  const logged: string[] = [];
  /** the kind of every file event the watcher acted on ('add', 'change', 'unlink') */
  const changes: string[] = [];
  const log: LoopLog = (_level, event, fields) => {
    logged.push(event);
    if (event === 'drift.event') changes.push(String(fields.change));
  };
  let expected: string | undefined = opts.expected ?? sha256(APPLIED);
  const watch = await startDriftWatch({
    liveFile: live, debounceMs: 50, expectedSha256: () => expected, onDrift: (e) => drifts.push(e), log,
    ...(opts.busy ? { busy: opts.busy } : {}),
  });
  watches.push(watch);
  /** do something, then wait until the watcher has checked it (or until `events` such checks) */
  const act = async (fn: () => void): Promise<void> => {
    const before = watch.checks;
    fn();
    await until('a drift check', () => watch.checks > before);
  };
  return { dir, live, drifts, logged, changes, watch, act, setExpected: (s: string | undefined) => { expected = s; } };
}

/** write like the local target does: temp file in the same folder, then rename over the live file */
function atomicWrite(dir: string, live: string, text: string): void {
  const temp = join(dir, '.pjsip_wizard.conf.pjsip-gitops-0123456789ab.tmp');
  writeFileSync(temp, text);
  renameSync(temp, live);
}

test('temp file names of the atomic write are recognised', () => {
  assert.ok(isOwnTempFile('.pjsip_wizard.conf.pjsip-gitops-a1b2c3.tmp', 'pjsip_wizard.conf'));
  assert.not.ok(isOwnTempFile('pjsip_wizard.conf', 'pjsip_wizard.conf'));
  assert.not.ok(isOwnTempFile('.pjsip_wizard.conf.swp', 'pjsip_wizard.conf'));
  assert.not.ok(isOwnTempFile('.pjsip.conf.pjsip-gitops-a1.tmp', 'pjsip_wizard.conf'));
});

test('a hand edit is reported once with its hash; the same bytes again are not a new event', async () => {
  const s = await setup();
  await s.act(() => writeFileSync(s.live, HAND_EDIT));
  assert.is(s.drifts.length, 1);
  assert.equal(s.drifts[0], { file: s.live, sha256: sha256(HAND_EDIT), expected: sha256(APPLIED) });
  assert.ok(s.logged.includes('drift.noticed'));
  await s.act(() => writeFileSync(s.live, HAND_EDIT)); // rewritten, same content (report mode leaves it)
  assert.is(s.drifts.length, 1);
  await s.act(() => writeFileSync(s.live, HAND_EDIT + '; one more\n'));
  assert.is(s.drifts.length, 2);
});

test('our own atomic write of the expected content is no drift; after a revert the same edit counts again', async () => {
  const s = await setup();
  await s.act(() => writeFileSync(s.live, HAND_EDIT));
  assert.is(s.drifts.length, 1);
  await s.act(() => atomicWrite(s.dir, s.live, APPLIED)); // the pass reverts it
  assert.is(s.drifts.length, 1);
  await s.act(() => writeFileSync(s.live, HAND_EDIT)); // the same hand edit again: new drift
  assert.is(s.drifts.length, 2);
  // a new commit applied: the reconciler now expects other content, and writes it
  const next = APPLIED + '[6002](softphone)\n';
  s.setExpected(sha256(next));
  await s.act(() => atomicWrite(s.dir, s.live, next));
  assert.is(s.drifts.length, 2);
});

test('other files and our temp files in the folder never trigger a check', async () => {
  const s = await setup();
  writeFileSync(join(s.dir, 'pjsip.conf'), '[global]\n');
  writeFileSync(join(s.dir, '.pjsip_wizard.conf.pjsip-gitops-ffff.tmp'), 'half written');
  writeFileSync(join(s.dir, 'pjsip_wizard.conf.bak'), 'x');
  // the live file's own event comes after those: when its check is done, theirs would have been seen
  await s.act(() => writeFileSync(s.live, APPLIED));
  assert.is(s.watch.checks, 1);
  assert.is(s.drifts.length, 0);
  // the only events acted on are the live file's own change: the three new files (adds) were not
  // (one check either way, as the debounce folds a burst into one; the events tell them apart)
  assert.ok(s.changes.length >= 1);
  assert.equal([...new Set(s.changes)], ['change'], s.changes.join(','));
});

test('a deleted live file is drift (sha256 null); a file appearing where none was is seen too', async () => {
  const s = await setup();
  await s.act(() => rmSync(s.live));
  assert.equal(s.drifts.map((d) => d.sha256), [null]);
  const t = await setup({ initial: null });
  await t.act(() => writeFileSync(t.live, HAND_EDIT));
  assert.equal(t.drifts.map((d) => d.sha256), [sha256(HAND_EDIT)]);
});

test('nothing applied yet (no expected hash): no drift', async () => {
  const s = await setup();
  s.setExpected(undefined);
  await s.act(() => writeFileSync(s.live, HAND_EDIT));
  assert.is(s.drifts.length, 0);
});

test('while a pass runs the check waits for recheck()', async () => {
  let busy = true;
  const s = await setup({ busy: () => busy });
  await s.act(() => writeFileSync(s.live, HAND_EDIT));
  assert.is(s.drifts.length, 0, 'put off while busy');
  busy = false;
  const before = s.watch.checks;
  s.watch.recheck();
  await until('the put-off check', () => s.watch.checks > before);
  assert.is(s.drifts.length, 1);
});

test.run();
