// The tool's work tree as a fresh clone would have it (tracked and new files, nothing ignored: no
// dist/, no node_modules/), copied to a temporary folder, for the packaging and pre-commit tests.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './cli.js';

export function copyWorkTree(to: string, options: { linkNodeModules?: boolean } = {}): string {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  for (const file of list.split('\0').filter(Boolean)) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file));
  }
  // the build needs the dev dependencies; the ones already installed stand in for `npm ci`
  if (options.linkNodeModules) symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
  return to;
}

/** npm offline, from this machine's cache: no test reaches the registry. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}
