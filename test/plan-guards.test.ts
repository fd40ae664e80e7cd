// The guards a plan predicts: site.yaml's policy, tightened (never loosened) by the host's, evaluated
// by one pure function; `plan --detailed-exitcode` exits 3 when the reconciler would refuse the change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import { DEFAULT_GUARDS, effectivePolicy, refusals } from '../compiler/plan/guards.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { ROOT, runCliInProcess } from './helpers/cli.js';
import { gitSync, tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

test('effectivePolicy: site.yaml sets it, defaults fill it, the host only tightens', () => {
  assert.equal(effectivePolicy(undefined), DEFAULT_GUARDS);
  assert.equal(effectivePolicy({ maxDeletions: 20, allowEmpty: true }), { maxDeletions: 20, allowEmpty: true });
  // the host lowers the limit and forbids an empty file
  assert.equal(effectivePolicy({ maxDeletions: 20, allowEmpty: true }, { maxDeletions: 3, allowEmpty: false }), { maxDeletions: 3, allowEmpty: false });
  // ... but cannot raise it or allow what the site forbids
  assert.equal(effectivePolicy({ maxDeletions: 2 }, { maxDeletions: 50, allowEmpty: true }), { maxDeletions: 2, allowEmpty: false });
  // a host that sets nothing leaves the site's policy as it is
  assert.equal(effectivePolicy({ maxDeletions: 20 }, {}), { maxDeletions: 20, allowEmpty: false });
});

test('refusals: more deletions than the limit, and an empty file unless allowed', () => {
  const six = ['6010', '6011', '6012', '6013', '6014', '6015'];
  assert.equal(refusals({ removed: six.slice(0, 5), extensions: 19 }, DEFAULT_GUARDS), []);
  assert.equal(refusals({ removed: six, extensions: 18 }, DEFAULT_GUARDS).map((r) => r.code), ['MAX_DELETIONS']);
  assert.equal(refusals({ removed: six, extensions: 18 }, { maxDeletions: 6, allowEmpty: false }), []);
  assert.equal(refusals({ removed: six, extensions: 0 }, DEFAULT_GUARDS).map((r) => r.code), ['MAX_DELETIONS', 'EMPTY_FILE']);
  assert.equal(refusals({ removed: ['6000'], extensions: 0 }, { maxDeletions: 5, allowEmpty: true }), []);
});

test('site.yaml guards: carried into the compiled model; a bad value is a schema error', async () => {
  const dir = tempDir('pjsip-gitops-guards-');
  roots.push(dir);
  cpSync(join(ROOT, 'extensions'), dir, { recursive: true });
  const site = readFileSync(join(dir, 'site.yaml'), 'utf8');
  writeFileSync(join(dir, 'site.yaml'), `${site}\nguards: { maxDeletions: 10, allowEmpty: true }\n`);
  const ok = compile(await readExtensionsDir(dir));
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.model.guards, { maxDeletions: 10, allowEmpty: true });
  writeFileSync(join(dir, 'site.yaml'), `${site}\nguards: { maxDeletions: -1, allowEmpty: maybe }\n`);
  const bad = compile(await readExtensionsDir(dir));
  assert.not.ok(bad.ok);
  assert.ok(bad.diagnostics.filter((d) => d.severity === 'error').length >= 2);
});

function repo(): { dir: string; commit(files: Record<string, string | null>): void } {
  const dir = tempDir('pjsip-gitops-plan-guards-');
  roots.push(dir);
  gitSync(dir, ['init', '--quiet', '-b', 'main']);
  cpSync(join(ROOT, 'extensions'), join(dir, 'extensions'), { recursive: true });
  const r = {
    dir,
    commit(files: Record<string, string | null>) {
      for (const [p, t] of Object.entries(files)) {
        if (t === null) rmSync(join(dir, p));
        else writeFileSync(join(dir, p), t);
      }
      gitSync(dir, ['add', '-A']);
      gitSync(dir, ['commit', '--quiet', '-m', 'change']);
    },
  };
  r.commit({});
  return r;
}

const plan = (dir: string, ...args: string[]) =>
  runCliInProcess(['plan', '--repo', dir, '--base', 'HEAD~1', '--head', 'HEAD', ...args], { cwd: ROOT, env: { NO_COLOR: '1' } });

const removeSix = Object.fromEntries(['6010', '6011', '6012', '6013', '6014', '6015'].map((n) => [`extensions/${n}.yaml`, null]));

test('plan: removing 6 extensions under the default limit → the reconciler will refuse it, exit 3', async () => {
  const r = repo();
  r.commit(removeSix);
  const p = await plan(r.dir, '--detailed-exitcode');
  assert.is(p.code, 3, p.stderr);
  const j = await plan(r.dir, '--format', 'json');
  assert.is(j.code, 0, 'without --detailed-exitcode a refused plan is still a plan');
  const body = JSON.parse(j.stdout) as { refusals: { code: string; removed: string[] }[]; policy: unknown };
  assert.equal(body.refusals.map((x) => x.code), ['MAX_DELETIONS']);
  assert.equal(body.refusals[0]!.removed.length, 6);
  assert.equal(body.policy, DEFAULT_GUARDS);
  const md = await plan(r.dir, '--format', 'markdown');
  assert.ok(md.stdout.split('\n')[0]!.includes('refuse'), 'the first line of the comment says it');
});

test('plan: the same removal with guards.maxDeletions raised in site.yaml → exit 2', async () => {
  const r = repo();
  const site = readFileSync(join(r.dir, 'extensions/site.yaml'), 'utf8');
  r.commit({ ...removeSix, 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 6 }\n` });
  const p = await plan(r.dir, '--detailed-exitcode');
  assert.is(p.code, 2, p.stderr);
  const j = JSON.parse((await plan(r.dir, '--format', 'json')).stdout) as { refusals: unknown[] };
  assert.equal(j.refusals, []);
});

test('plan: emptying the folder without guards.allowEmpty → exit 3 (EMPTY_FILE)', async () => {
  const r = repo();
  const site = readFileSync(join(r.dir, 'extensions/site.yaml'), 'utf8');
  const all = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`extensions/${6000 + i}.yaml`, null]));
  r.commit({ ...all, 'extensions/site.yaml': `${site}\nguards: { maxDeletions: 100 }\n` });
  const p = await plan(r.dir, '--detailed-exitcode');
  assert.is(p.code, 3, p.stderr);
  const j = JSON.parse((await plan(r.dir, '--format', 'json')).stdout) as { refusals: { code: string }[] };
  assert.equal(j.refusals.map((x) => x.code), ['EMPTY_FILE']);
});

test.run();
