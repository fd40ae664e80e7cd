// `pjsip-gitops init [dir]`: scaffolds the PBX team's own extensions repository — site policy, the
// tool pinned as a devDependency, schema modelines that resolve there, pre-commit, a CI workflow
// using the tool's action, .gitignore and a README. Nothing existing is overwritten.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { PACKAGE_VERSION } from '../../reconciler/io/package.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';
import { GITIGNORE, packageJson, PRE_COMMIT, readme, siteYaml, WORKFLOW, type Profile } from './init-files.js';

const SPEC = defineCommand({
  name: 'init',
  help: `usage: pjsip-gitops init [dir] [--profile production|dev] [--tool-spec SPEC]

Creates an extensions repository in dir (default: .): extensions/site.yaml (the runbook's ranges and
templates), package.json pinning pjsip-gitops as a devDependency, .pre-commit-config.yaml, a pull
request workflow (.github/workflows/pjsip-gitops.yml) using pjsip-gitops's action, .gitignore and a
README. Refuses to overwrite a file that exists. Then: npm install, and validate.

  --profile NAME     production (default: wss/tls transports, no plaintext passwords) or dev
  --tool-spec SPEC   what package.json pins (default: ^${PACKAGE_VERSION}, this version); e.g. the path of a
                     release tarball, file:../pjsip-gitops-${PACKAGE_VERSION}.tgz
`,
  options: { profile: { type: 'string' }, 'tool-spec': { type: 'string' } },
  positionals: true,
});

/** npm package names: lower case, no spaces; the folder's name made into one. */
function packageName(dir: string): string {
  const base = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return base || 'pbx-extensions';
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    if (positionals.length > 1) throw new UsageError('init takes one folder');
    const profile = (values.profile ?? 'production') as Profile;
    if (profile !== 'production' && profile !== 'dev') throw new UsageError('--profile must be production or dev');
    const spec = values['tool-spec'] ?? `^${PACKAGE_VERSION}`;
    const dir = resolve(io.cwd, positionals[0] ?? '.');

    const files: [string, string][] = [
      ['extensions/site.yaml', siteYaml(profile)],
      ['package.json', packageJson(packageName(dir), spec)],
      ['.pre-commit-config.yaml', PRE_COMMIT],
      ['.github/workflows/pjsip-gitops.yml', WORKFLOW],
      ['.gitignore', GITIGNORE],
      ['README.md', readme(profile)],
    ];
    const written: string[] = [];
    const skipped: string[] = [];
    for (const [path, text] of files) {
      const target = join(dir, path);
      await mkdir(join(target, '..'), { recursive: true });
      try {
        await writeFile(target, text, { flag: 'wx' });
        written.push(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        skipped.push(path);
      }
    }
    const shown = relative(io.cwd, dir) || '.';
    for (const p of skipped) io.stderr.write(`pjsip-gitops init: ${join(shown, p)} exists; left as it is\n`);
    io.stdout.write([
      `created in ${shown} (profile ${profile}): ${written.join(', ') || 'nothing'}`,
      'next:',
      ...(shown === '.' ? [] : [`  cd ${shown}`]),
      '  git init -b main && npm install        # the pinned pjsip-gitops',
      '  npx pjsip-gitops validate',
      '  npx pjsip-gitops new 6010 --name "Reception"',
    ].join('\n') + '\n');
    return skipped.length && !written.length ? 1 : 0;
  });
}
