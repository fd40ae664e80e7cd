// The release tarball: `npm pack` prints only its name (pre-commit reads it), ships what a user needs
// and nothing of the tests, and `npm install -g <tarball>` into a clean prefix, offline, gives a
// command that runs — --version, validate on a copy of the extensions, every command's --help.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';
import { copyWorkTree, offlineEnv } from './helpers/package-copy.js';

const root = tempDir('pjsip-gitops-package-');
test.after(() => rmSync(root, { recursive: true, force: true }));

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
let tarball = '';

test('npm pack: stdout is the tarball name alone; test/, .ci/, .github/ stay out; the catalog ships once', () => {
  const src = copyWorkTree(join(root, 'src'), { linkNodeModules: true });
  mkdirSync(join(root, 'out'));
  const r = spawnSync('npm', ['pack', '--pack-destination', join(root, 'out')], { cwd: src, env: offlineEnv(), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `pjsip-gitops-${version}.tgz\n`, 'nothing but the name: a lifecycle script printing here breaks pre-commit');
  tarball = join(root, 'out', r.stdout.trim());
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  const own = files.filter((f) => !f.startsWith('node_modules/'));
  for (const f of ['dist/cli/main.js', 'schemas/site.schema.json', 'schemas/extension.schema.json', 'reconciler/systemd/pjsip-gitops.service', 'action.yml', 'README.md', 'LICENSE']) {
    assert.ok(own.includes(f), f);
  }
  assert.equal(own.filter((f) => /^(test|\.ci|\.github|extensions|cli|compiler)\//.test(f) || f.endsWith('.ts')), []);
  assert.is(own.filter((f) => f.endsWith('pjsip-options-22.json')).length, 1);
  assert.ok(files.some((f) => f.startsWith('node_modules/yaml/')), 'dependencies are bundled');
});

test('npm install -g <tarball> into a clean prefix, offline: every command works from it', () => {
  assert.ok(tarball, 'packed above');
  const prefix = join(root, 'prefix');
  const home = join(root, 'home');
  mkdirSync(home);
  // npm as the user has it (its config, its cache); npm 11 runs no dependency's install script unasked
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, tarball], { env: offlineEnv(), encoding: 'utf8' });
  assert.is(install.status, 0, install.stderr);
  const bin = join(prefix, 'bin', 'pjsip-gitops');
  const run = (args: string[], cwd = home) => spawnSync(bin, args, { cwd, env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' }, encoding: 'utf8' });

  const v = run(['--version']);
  assert.is(v.status, 0, v.stderr);
  assert.is(v.stdout.trim(), version);

  cpSync(join(ROOT, 'extensions'), join(home, 'extensions'), { recursive: true });
  const valid = run(['validate', '--format', 'json']);
  assert.is(valid.status, 0, valid.stderr);
  assert.is((JSON.parse(valid.stdout) as { errors: number }).errors, 0);

  const help = run(['--help']);
  assert.is(help.status, 0);
  const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(commands.includes('validate') && commands.includes('init'), help.stdout);
  for (const c of commands) {
    const h = run([c, '--help']);
    assert.is(h.status, 0, `${c} --help: ${h.stderr}`);
    assert.ok(h.stdout.startsWith(`usage: pjsip-gitops ${c}`), c);
  }

  // init from the installed command: the scaffold validates with the same command
  const made = join(home, 'pbx');
  assert.is(run(['init', made]).status, 0);
  assert.is(run(['validate'], made).status, 0);
});

test.run();
