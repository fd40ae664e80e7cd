// Bounded state: a commit with thousands of problems keeps a count and the first few per pass in the
// status file, and the loop does not compile it again while nothing that goes into the compile changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { runPass } from '../reconciler/pass.js';
import { DIAGNOSTICS_KEPT, HISTORY_SIZE, readStatus, statusPath } from '../reconciler/state.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

const PROBLEMS = 3000;
// one extension with thousands of options Asterisk does not know: one UNKNOWN_OPTION error each
const broken = 'extension: 6002\nname: Broken\nauth: { password: Maja1234 }\noptions:\n' +
  Array.from({ length: PROBLEMS }, (_, i) => `  endpoint/no_such_option_${i}: 1\n`).join('');
// what a status file of 20 passes holds at most, with room: 20 diagnostics of ~200 bytes for the newest, a few for the rest
const STATUS_BOUND = 100_000;

async function stalled(): Promise<{ f: PassFixture; compiles: () => number }> {
  const f = await passFixture();
  fixtures.push(f);
  assert.is((await f.pass()).result, 'applied');
  let calls = 0;
  const compile = f.deps.compile;
  f.deps.compile = (sources, options) => { calls++; return compile(sources, options); };
  f.remote.commit({ 'extensions/6002.yaml': broken });
  return { f, compiles: () => calls };
}

test('many stalled passes of a commit with thousands of errors: status.json stays small; the loop compiles it once', async () => {
  const { f, compiles } = await stalled();
  const first = await runPass(f.deps, { trigger: 'interval' });
  assert.is(first.reason, 'CompileFailed', first.message);
  assert.is(compiles(), 1);
  assert.ok((first.diagnosticsCount ?? 0) >= PROBLEMS, String(first.diagnosticsCount));
  for (let i = 0; i < HISTORY_SIZE + 5; i++) {
    const r = await runPass(f.deps, { trigger: i % 2 ? 'interval' : 'backoff' });
    assert.is(r.result, 'stalled', r.message);
    assert.is(r.reason, 'CompileFailed');
    assert.not.ok(r.steps?.some((s) => s.name === 'compile'), 'the known-broken commit is not compiled again');
    assert.equal(r.diagnostics, first.diagnostics!.slice(0, DIAGNOSTICS_KEPT), 'the stored diagnostics are reported');
    assert.is(r.diagnosticsCount, first.diagnosticsCount);
  }
  assert.is(compiles(), 1, 'automatic passes did not call compile again');
  const size = statSync(statusPath(f.stateDir)).size;
  assert.ok(size < STATUS_BOUND, `status.json is ${size} bytes`);
  const status = await readStatus(f.stateDir);
  assert.is(status.history.length, HISTORY_SIZE);
  for (const h of status.history) {
    assert.ok((h.diagnostics?.length ?? 0) <= DIAGNOSTICS_KEPT);
    assert.is(h.diagnosticsCount, first.diagnosticsCount);
  }
  assert.match(status.history[0]!.diagnostics![0]!, /^extensions\/6002\.yaml:\d+:\d+  UNKNOWN_OPTION/);
  assert.is(status.lastApplied?.commit === f.remote.head(), false, 'the broken commit is not applied');
});

test('a manual pass compiles it again, and so does a new commit', async () => {
  const { f, compiles } = await stalled();
  assert.is((await runPass(f.deps, { trigger: 'interval' })).reason, 'CompileFailed');
  assert.is(compiles(), 1);
  const manual = await runPass(f.deps, { trigger: 'apply' });
  assert.is(manual.reason, 'CompileFailed');
  assert.is(compiles(), 2, 'apply compiles');
  f.remote.commit({ 'README.md': '# extensions\n\nstill broken\n' });
  const next = await runPass(f.deps, { trigger: 'interval' });
  assert.is(next.reason, 'CompileFailed');
  assert.is(compiles(), 3, 'a new commit is compiled by the loop');
  // fixed: compiles, applies, and the known failure is forgotten
  f.remote.commit({ 'extensions/6002.yaml': 'extension: 6002\nname: Fixed\nauth: { password: Maja1234 }\n' });
  const fixed = await runPass(f.deps, { trigger: 'interval' });
  assert.is(fixed.result, 'applied', fixed.message);
  assert.is((await readStatus(f.stateDir)).stalledCompile, undefined);
});

test.run();
