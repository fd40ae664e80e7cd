// `pjsip-gitops demo` (what `npm start` runs): the whole reconciler on this machine, in a git-ignored
// demo/ folder — a bare git remote seeded from the shipped extensions/, a live pjsip_wizard.conf,
// a stand-in Asterisk (the test fake) — then one pass. Run it twice: the second pass changes nothing.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { showEndpoints } from '../../reconciler/asterisk.js';
import { loadConfig } from '../../reconciler/config.js';
import { gitEnv } from '../../reconciler/git.js';
import { PACKAGE_ROOT } from '../../reconciler/io/package.js';
import { acquireLock, LockHeldError } from '../../reconciler/lock.js';
import { createLogger } from '../../reconciler/log.js';
import { outcomeOf } from '../../reconciler/outcome.js';
import { loadPassDeps, runPass } from '../../reconciler/pass.js';
import { defineCommand, runCommand } from '../args.js';
import type { CommandIO } from '../io.js';
import { formatResult } from './apply.js';

const run$ = promisify(execFile);

const SPEC = defineCommand({
  name: 'demo',
  help: `usage: pjsip-gitops demo [--dir <folder>] [--extensions <folder>] [--reset] [--verbose]

Runs one reconcile pass of the shipped extensions against a local demo target, all inside demo/
(git-ignored): a bare git remote seeded from extensions/ (re-seeded when they change), a live
pjsip_wizard.conf, and a demo Asterisk — a stand-in that answers like Asterisk 22, not a real one.
The first run writes the file, reloads and verifies the endpoints; a second run says nothing changed.

options:
  --dir <folder>  where to build the demo (default: demo/ in the package folder)
  --extensions <folder>  seed the remote from this folder instead of the shipped extensions/
  --reset         start again from an empty demo folder
  --verbose       print the reconciler's JSON event lines (stderr)
  -h, --help      this text

exit codes: as 'apply' (0 Ready, 1 Failed/Stalled, 2 usage/internal, 3 transient)
`,
  options: {
    dir: { type: 'string' }, extensions: { type: 'string' }, reset: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const IDENTITY = {
  GIT_AUTHOR_NAME: 'pjsip-gitops demo', GIT_AUTHOR_EMAIL: 'demo@pjsip-gitops.invalid',
  GIT_COMMITTER_NAME: 'pjsip-gitops demo', GIT_COMMITTER_EMAIL: 'demo@pjsip-gitops.invalid',
};

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run$('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    { cwd, env: gitEnv(IDENTITY) });
  return stdout.trim();
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Commit the shipped extensions/ to the demo remote when they differ from its head; returns what happened. */
async function seedRemote(remote: string, extensions: string): Promise<{ commit: string; seeded: 'created' | 'updated' | 'current' }> {
  const created = !existsSync(join(remote, 'HEAD'));
  if (created) {
    await mkdir(remote, { recursive: true });
    await git(remote, ['init', '--bare', '--quiet']);
  }
  const work = await mkdtemp(join(tmpdir(), 'pjsip-gitops-demo-seed-'));
  try {
    await git(work, ['init', '--quiet', '-b', 'main']);
    await git(work, ['remote', 'add', 'origin', remote]);
    const hasMain = (await git(work, ['ls-remote', '--heads', 'origin', 'main'])) !== '';
    if (hasMain) {
      await git(work, ['fetch', '--quiet', 'origin', 'main']);
      await git(work, ['reset', '--quiet', '--hard', 'FETCH_HEAD']);
    }
    await rm(join(work, 'extensions'), { recursive: true, force: true });
    await cp(extensions, join(work, 'extensions'), { recursive: true });
    await git(work, ['add', '-A', 'extensions']);
    const changed = (await git(work, ['status', '--porcelain'])) !== '';
    if (changed) {
      await git(work, ['commit', '--quiet', '-m', hasMain ? 'Update from the shipped extensions/' : 'The shipped extensions']);
      await git(work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    }
    return { commit: await git(work, ['rev-parse', 'HEAD']), seeded: !hasMain ? 'created' : changed ? 'updated' : 'current' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The demo Asterisk: a wrapper that runs the test fake with its state in <dir>/asterisk. */
async function demoAsterisk(dir: string, liveFile: string): Promise<string> {
  const home = join(dir, 'asterisk');
  await mkdir(home, { recursive: true });
  const script = join(PACKAGE_ROOT, 'test', 'fake-asterisk', 'asterisk.mjs');
  if (!existsSync(script)) throw new Error(`the demo Asterisk (${script}) is missing from this installation`);
  const bin = join(home, 'asterisk');
  await writeFile(bin, `#!/bin/sh\n# demo Asterisk (stand-in): answers like Asterisk 22 from the test fake\n` +
    `FAKE_ASTERISK_HOME=${shQuote(home)}\nexport FAKE_ASTERISK_HOME\nexec ${shQuote(process.execPath)} ${shQuote(script)} "$@"\n`);
  await chmod(bin, 0o755);
  await writeFile(join(home, 'config.json'), JSON.stringify({ confPath: liveFile }, null, 1) + '\n');
  return bin;
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values }) => {
    const dir = values.dir ? resolve(io.cwd, values.dir) : join(PACKAGE_ROOT, 'demo');
    const shown = (p: string) => relative(io.cwd, p) || '.';
    if (values.reset) await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'target'), { recursive: true });
    const extensions = values.extensions ? resolve(io.cwd, values.extensions) : join(PACKAGE_ROOT, 'extensions');
    const liveFile = join(dir, 'target', 'pjsip_wizard.conf');

    const seed = await seedRemote(join(dir, 'remote.git'), extensions);
    const asterisk = await demoAsterisk(dir, liveFile);
    const configFile = join(dir, 'reconciler.yaml');
    await writeFile(configFile, [
      '# The demo reconciler config (written by `pjsip-gitops demo`; paths are relative to this file).',
      'source: { repo: remote.git, branch: main, extensionsPath: extensions }',
      'target: { kind: local, liveFile: target/pjsip_wizard.conf, mode: "0640" }',
      `asterisk: { cli: [${JSON.stringify(asterisk)}, -rx], reload: [${JSON.stringify(asterisk)}, -rx, module reload res_pjsip.so], timeout: 10s }`,
      'stateDir: state',
      '',
    ].join('\n'));
    const config = await loadConfig(configFile);

    const out = (s: string) => io.stdout.write(s + '\n');
    out('pjsip-gitops demo — one reconcile pass of the shipped extensions');
    out(`  git remote   ${shown(config.source.repo)} (${seed.seeded === 'created' ? 'seeded from extensions/'
      : seed.seeded === 'updated' ? 're-seeded: extensions/ changed' : 'as extensions/'}; head ${seed.commit.slice(0, 12)})`);
    out(`  live file    ${shown(liveFile)}`);
    out(`  Asterisk     demo Asterisk (stand-in): ${shown(asterisk)} runs the test fake, which answers like Asterisk 22`);
    out(`  config       ${shown(configFile)}  (state in ${shown(config.stateDir)})`);
    out('');

    const log = createLogger({ write: values.verbose ? (l) => { io.stderr.write(l); } : () => {} });
    let release;
    try {
      release = await acquireLock(config.stateDir);
    } catch (err) {
      if (err instanceof LockHeldError) { io.stderr.write(`pjsip-gitops demo: ${err.message}\n`); return 1; }
      throw err;
    }
    try {
      const deps = await loadPassDeps(config, { log });
      const result = await runPass(deps, { trigger: 'demo' });
      out(formatResult(result).trimEnd());
      const loaded = await showEndpoints(deps.target, config.asterisk);
      if (loaded.ok) out(`\nThe demo Asterisk has ${loaded.value.size} endpoints loaded ('pjsip show endpoints').`);
      if (result.result === 'applied') out('Run it again: nothing changed, so nothing is written and nothing reloaded.');
      else if (result.result === 'unchanged') out('Nothing changed: no write, no reload. Edit a file in extensions/ and run it again to see a change go through.');
      out(`Status: pjsip-gitops status --config ${shown(configFile)}`);
      return outcomeOf(result).exitCode;
    } finally {
      await release();
    }
  });
}
