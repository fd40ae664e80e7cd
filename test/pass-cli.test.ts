// `pjsip-gitops apply` in-process (one usage error through the real bin): options, output formats and
// exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess, spawnCli } from './helpers/cli.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

function apply(...args: string[]) {
  return runCliInProcess(['apply', ...args]);
}

test('--help exits 0 and documents the exit codes', async () => {
  const r = await apply('--help');
  assert.is(r.code, 0);
  assert.match(r.stdout, /--dry-run/);
  assert.match(r.stdout, /3\s+transient/);
});

test('usage errors exit 2', async () => {
  assert.is((await apply()).code, 2);
  assert.is((await apply('--config', 'x.yaml', '--format', 'xml')).code, 2);
  assert.is(spawnCli(['apply', '--bogus']).code, 2); // the bin as a real process: exit 2
});

test('an invalid config exits 2 with file:line:col', async () => {
  const f = await passFixture();
  fixtures.push(f);
  const path = join(f.root, 'bad.yaml');
  writeFileSync(path, 'source:\n  repo: x\ntarget:\n  kind: nfs\n');
  const r = await apply('--config', path);
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:4:9  SCHEMA_ENUM/);
});

test('dry run (json), apply (text), unchanged, then a transient failure (exit 3) and a stalled one (exit 1)', async () => {
  const f = await passFixture();
  fixtures.push(f);
  const config = f.writeConfigFile();
  const dry = await apply('--config', config, '--dry-run', '--format', 'json', '--quiet');
  assert.is(dry.code, 0, dry.stderr);
  const parsed = JSON.parse(dry.stdout) as { result: string; changes: { added: string[] } };
  assert.is(parsed.result, 'dry-run');
  assert.is(parsed.changes.added.length, 24);
  assert.is(f.live(), null);

  const real = await apply('--config', config);
  assert.is(real.code, 0, real.stderr);
  assert.match(real.stdout, /^Ready: applied \(Applied\)/);
  // event lines are JSON on stderr
  const events = real.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string });
  assert.ok(events.some((e) => e.event === 'asterisk.verified'));
  assert.not.ok(real.stderr.includes('Maja1234'));

  const same = await apply('--config', config, '--quiet');
  assert.is(same.code, 0);
  assert.match(same.stdout, /^Ready: unchanged/);

  const gone = f.writeConfigFile().replace('reconciler.yaml', 'gone.yaml');
  writeFileSync(gone, `source: { repo: ${JSON.stringify(join(f.root, 'nowhere.git'))} }\ntarget: { liveFile: ${JSON.stringify(f.liveFile)} }\n` +
    `asterisk: { cli: ${JSON.stringify([f.fake.bin, '-rx'])} }\nstateDir: ${JSON.stringify(join(f.root, 'state2'))}\n`);
  const transient = await apply('--config', gone, '--quiet');
  assert.is(transient.code, 3, transient.stdout);
  assert.match(transient.stdout, /FetchFailed/);

  f.remote.commit({ 'extensions/6003.yaml': 'extension: 6003\nname: x\nauth: { password: Maja1234 }\nbogus: 1\n' });
  const stalled = await apply('--config', config, '--quiet');
  assert.is(stalled.code, 1, stalled.stdout);
  assert.match(stalled.stdout, /Stalled: stalled \(CompileFailed\)/);
  assert.match(stalled.stdout, /extensions\/6003\.yaml:4:1  SCHEMA_UNKNOWN_KEY/);
});

test.run();
