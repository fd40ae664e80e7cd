// `pjsip-gitops init`: a new extensions repository that validates as made (both profiles), pins the
// tool, has modelines that resolve in node_modules, and overwrites nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const cli = (cwd: string, ...args: string[]) => runCliInProcess(args, { cwd, env: { NO_COLOR: '1' } });

function fresh(): string {
  const dir = tempDir('pjsip-gitops-init-');
  roots.push(dir);
  return dir;
}

for (const profile of ['production', 'dev'] as const) {
  test(`init --profile ${profile}: validate passes with no errors, then with a new extension`, async () => {
    const dir = fresh();
    assert.is((await cli(dir, 'init', '--profile', profile)).code, 0);
    const site = parse(readFileSync(join(dir, 'extensions/site.yaml'), 'utf8')) as { profile: string; guards: unknown };
    assert.is(site.profile, profile);
    assert.equal(site.guards, { maxDeletions: 5, allowEmpty: false });
    const v = await cli(dir, 'validate', '--format', 'json');
    assert.is(v.code, 0, v.stdout);
    assert.is((JSON.parse(v.stdout) as { errors: number }).errors, 0);
    assert.is((await cli(dir, 'new', '6010', '--name', 'Reception')).code, 0);
    assert.is((await cli(dir, 'new', '6000', '--name', 'Turret')).code, 0);
    const again = await cli(dir, 'validate', '--format', 'json');
    assert.is(again.code, 0, again.stdout);
    if (profile === 'production') assert.is((JSON.parse(again.stdout) as { warnings: number }).warnings, 0, again.stdout);
  });
}

test('init: default profile is production; the tool is pinned at this version, or as --tool-spec says', async () => {
  const dir = fresh();
  assert.is((await cli(dir, 'init')).code, 0);
  assert.match(readFileSync(join(dir, 'extensions/site.yaml'), 'utf8'), /^profile: production/m);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.equal(pkg.devDependencies, { 'pjsip-gitops': `^${version}` });
  const other = fresh();
  assert.is((await cli(ROOT, 'init', other, '--tool-spec', 'file:../pjsip-gitops-1.2.3.tgz')).code, 0);
  const pinned = JSON.parse(readFileSync(join(other, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.equal(pinned.devDependencies, { 'pjsip-gitops': 'file:../pjsip-gitops-1.2.3.tgz' });
  for (const f of ['.pre-commit-config.yaml', '.github/workflows/pjsip-gitops.yml', '.gitignore', 'README.md']) assert.ok(existsSync(join(other, f)), f);
});

test('init: the schema modelines resolve to the pinned package\'s schemas (which the package ships)', async () => {
  const dir = fresh();
  await cli(dir, 'init');
  await cli(dir, 'new', '6010', '--name', 'Reception');
  const shipped = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
  assert.ok(shipped.includes('schemas/*.schema.json'));
  for (const file of ['site.yaml', '6010.yaml']) {
    const target = /\$schema=(\S+)/.exec(readFileSync(join(dir, 'extensions', file), 'utf8'))![1]!;
    const inRepo = join(dir, 'extensions', target);
    assert.ok(inRepo.startsWith(join(dir, 'node_modules/pjsip-gitops/schemas/')), inRepo);
    // in node_modules/pjsip-gitops is this package: the same file, relative to its root
    assert.ok(existsSync(join(ROOT, inRepo.slice(join(dir, 'node_modules/pjsip-gitops/').length))), target);
  }
});

test('init: a file that exists is left as it is; nothing to write → exit 1; bad --profile → 2', async () => {
  const dir = fresh();
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  assert.is((await cli(dir, 'init')).code, 0);
  assert.is(readFileSync(join(dir, 'README.md'), 'utf8'), 'ours\n');
  assert.is((await cli(dir, 'init')).code, 1);
  assert.is((await cli(dir, 'init', '--profile', 'staging')).code, 2);
});

test.run();
