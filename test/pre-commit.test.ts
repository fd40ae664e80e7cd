// The pre-commit hook as a team uses it: Debian's pre-commit installs the tool's `language: node`
// hook (npm install, npm pack, npm install -g of the tarball) and runs it in a repository made by
// init. Without pre-commit the test fails under CI=true and says SKIPPED otherwise. The install takes
// minutes on a busy machine (.ci/run raises TEST_FILE_TIMEOUT_MS for it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess } from './helpers/cli.js';
import { gitSync, tempDir } from './helpers/git.js';
import { copyWorkTree, offlineEnv } from './helpers/package-copy.js';

const root = tempDir('pjsip-gitops-pre-commit-');
test.after(() => rmSync(root, { recursive: true, force: true }));

const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;

test('pre-commit try-repo <tool repo> pjsip-gitops-validate: installs, passes, then fails on a bad file', async () => {
  if (!hasPreCommit) {
    if (process.env.CI === 'true') assert.unreachable('pre-commit is not installed (apt-get install -y pre-commit)');
    console.log('SKIPPED: pre-commit is not installed (apt-get install -y pre-commit)');
    return;
  }
  // the tool's repository as a clone would have it, committed (pre-commit clones it)
  const tool = copyWorkTree(join(root, 'tool'));
  gitSync(tool, ['init', '--quiet', '-b', 'main']);
  gitSync(tool, ['add', '-A']);
  gitSync(tool, ['commit', '--quiet', '-m', 'tool']);

  const team = join(root, 'team');
  mkdirSync(team);
  assert.is((await runCliInProcess(['init', team], { cwd: root })).code, 0);
  gitSync(team, ['init', '--quiet', '-b', 'main']);
  gitSync(team, ['add', '-A']);

  // pre-commit runs a plain `npm install` in the hook's clone: with a lockfile written without
  // resolved URLs, npm may ask the registry for a packument it has no copy of (prefer-offline:
  // everything the cache holds comes from it)
  const env = offlineEnv({ PRE_COMMIT_HOME: join(root, 'cache'), NO_COLOR: '1', npm_config_offline: 'false', npm_config_prefer_offline: 'true' });
  const tryRepo = () => spawnSync('pre-commit', ['try-repo', tool, 'pjsip-gitops-validate', '--all-files'],
    { cwd: team, env, encoding: 'utf8', timeout: 600_000 });
  const ok = tryRepo();
  assert.is(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);

  writeFileSync(join(team, 'extensions/6010.yaml'), 'extension: 6010\nname: "Reception\nauth: { secret: "6010" }\n');
  gitSync(team, ['add', '-A']);
  const bad = tryRepo();
  assert.is(bad.status, 1, `${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stdout, /YAML_SYNTAX/);
  assert.ok(readFileSync(join(team, 'extensions/6010.yaml'), 'utf8').length > 0);
});

test.run();
