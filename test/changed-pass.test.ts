// The changed part of a pass run in a child process or worker thread (the reconcile loop's way,
// reconciler/changed-pass/) ends exactly as the same pass run in-process: the same result, message,
// diagnostics, changes, steps and log events; no password in any line; and a pass with nothing to
// do never starts one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../reconciler/pass.js';
import { parseSecrets } from '../reconciler/secrets/store.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

type Where = 'here' | 'child' | 'worker';

/** What must not differ between the two ways (times and the start time left out). */
function comparable(r: PassResult) {
  const { durationMs, startedAt, steps, ...rest } = r;
  void durationMs; void startedAt;
  return { ...rest, steps: steps?.map((s) => `${s.name}:${s.outcome}`) };
}

function events(lines: string[]): string[] {
  return lines.map((l) => JSON.parse(l) as { event: string; level: string }).map((e) => `${e.level} ${e.event}`);
}

/** Runs the same passes from the same start (no state, no live file) once per way; returns results and log lines. */
async function sideBySide(f: PassFixture, ways: Where[], passes: (run: () => Promise<PassResult>, dry: () => Promise<PassResult>) => Promise<void>) {
  const out: Record<string, { results: PassResult[]; lines: string[] }> = {};
  for (const where of ways) {
    rmSync(f.stateDir, { recursive: true, force: true });
    rmSync(f.liveFile, { force: true });
    f.fake.restart();
    const lines: string[] = [];
    const deps = await loadPassDeps(f.config, { log: createLogger({ write: (l) => { lines.push(l); } }), compileIn: where });
    const results: PassResult[] = [];
    await passes(async () => { const r = await runPass(deps, { trigger: 'test' }); results.push(r); return r; },
      async () => { const r = await runPass(deps, { trigger: 'test', dryRun: true }); results.push(r); return r; });
    out[where] = { results, lines };
  }
  return out;
}

test('applied, unchanged, a hand edit dry-run and corrected: the same results and log events in a child process, a worker thread and here', async () => {
  const f = await passFixture();
  fixtures.push(f);
  const out = await sideBySide(f, ['here', 'child', 'worker'], async (run, dry) => {
    const first = await run();
    assert.is(first.result, 'applied', first.message);
    const same = await run();
    assert.is(same.result, 'unchanged');
    // the child runs the compile first: no compile step, no child
    assert.not.ok(same.steps?.some((s) => s.name === 'compile'), 'a pass with nothing to do starts no compile');
    // a hand edit drops the last section: drift, compiled and compared again
    const live = readFileSync(f.liveFile, 'utf8');
    writeFileSync(f.liveFile, live.slice(0, live.lastIndexOf('\n[') + 1));
    const preview = await dry();
    assert.is(preview.result, 'dry-run', preview.message);
    assert.ok(preview.preview, 'the dry run has its preview');
    assert.is((await run()).result, 'drift-corrected');
  });
  assert.equal(out.child!.results.map(comparable), out.here!.results.map(comparable));
  assert.equal(out.worker!.results.map(comparable), out.here!.results.map(comparable));
  assert.equal(events(out.child!.lines), events(out.here!.lines));
  assert.equal(events(out.worker!.lines), events(out.here!.lines));
});

test('a commit that does not compile: the same Stalled CompileFailed and diagnostics in a child process', async () => {
  const f = await passFixture({ files: { 'extensions/6050.yaml': 'extension: 6050\nname: Broken\ntemplate: no-such-template\nauth: { password: "Broken-Desk-Pw-1" }\n' } });
  fixtures.push(f);
  const out = await sideBySide(f, ['here', 'child'], async (run) => { await run(); });
  const [here] = out.here!.results;
  const [child] = out.child!.results;
  assert.is(here!.reason, 'CompileFailed', here!.message);
  assert.equal(comparable(child!), comparable(here!));
  assert.ok((child!.diagnostics ?? []).length > 0);
});

test('host secrets opened in the child: generated once, written, learnt by the loop\'s logger, in no log line', async () => {
  const secretExt = (n: number) => `extension: ${n}\nname: Secret Desk\nauth: { secret: desk-${n} }\n`;
  const f = await passFixture({ files: { 'extensions/6010.yaml': secretExt(6010) } });
  fixtures.push(f);
  const secretsFile = join(f.root, 'host-secrets.yaml');
  writeFileSync(secretsFile, '', { mode: 0o600 });
  f.config.secrets = { file: secretsFile };
  const lines: string[] = [];
  const log = createLogger({ write: (l) => { lines.push(l); } });
  const deps = await loadPassDeps(f.config, { log, compileIn: 'child' });
  const r = await runPass(deps, { trigger: 'test' });
  assert.is(r.result, 'applied', r.message);
  const pw = parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile).get('desk-6010')!;
  assert.ok(pw && f.live()!.toString().includes(`inbound_auth/password = ${pw}`));
  assert.ok(lines.some((l) => l.includes('"secrets.generated"')));
  assert.not.ok(lines.join('').includes(pw), 'the generated password is in no log line');
  // this process's logger learnt it from the child: a line of this process cannot print it either
  log.info('test.echo', { note: `the password is ${pw}` });
  assert.not.ok(lines.at(-1)!.includes(pw));
  assert.is((await runPass(deps, { trigger: 'test' })).result, 'unchanged');
});

test.run();
