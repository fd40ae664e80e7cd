// `pjsip-gitops demo` as a user runs it (in-process; --help through the real bin): the first run
// applies 24 endpoints, the second changes nothing, a changed extensions folder is re-seeded and goes through.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess, spawnCli } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const root = tempDir('pjsip-gitops-demo-');
test.after(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'demo');
const extensions = join(root, 'extensions');
cpSync(join(process.cwd(), 'extensions'), extensions, { recursive: true });

async function demo(...extra: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runCliInProcess(['demo', '--dir', dir, '--extensions', extensions, ...extra]);
  return { code: r.code, out: r.stdout + r.stderr };
}

test('first run writes, reloads and verifies 24 endpoints; says the Asterisk is a stand-in', async () => {
  const r = await demo();
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /demo Asterisk \(stand-in\)/);
  assert.match(r.out, /Ready: applied/);
  assert.match(r.out, /verified 24 endpoints/);
  assert.match(r.out, /reloaded: yes \(1\)/);
  assert.match(readFileSync(join(dir, 'target', 'pjsip_wizard.conf'), 'utf8'), /^\[6023\]/m);
});

test('second run: nothing changed, no write, no reload', async () => {
  const r = await demo();
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /Ready: unchanged/);
  assert.match(r.out, /reloaded: no/);
  const calls = readFileSync(join(dir, 'asterisk', 'calls.log'), 'utf8');
  assert.is(calls.split('\n').filter((l) => l.includes('module reload')).length, 1);
});

test('a changed extensions folder is re-seeded and applied', async () => {
  writeFileSync(join(extensions, '6005.yaml'), 'extension: 6005\nname: Demo Change\nauth: { password: Maja1234 }\n');
  const r = await demo();
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /re-seeded: extensions\/ changed/);
  assert.match(r.out, /Ready: applied/);
  assert.match(r.out, /~1 extensions/);
  assert.match(readFileSync(join(dir, 'target', 'pjsip_wizard.conf'), 'utf8'), /"Demo Change" <6005>/);
});

test('--help prints the options and exits 0', () => {
  // the bin as a real process: --help and exit 0
  const r = spawnCli(['demo', '--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /stand-in/);
});

test.run();
