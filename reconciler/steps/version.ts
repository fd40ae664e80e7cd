// The package version, part of the no-recompile key: a new release may compile the same commit differently.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  // from reconciler/steps/ (tsx) or dist/reconciler/steps/ (built): walk up to our package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pjsip-gitops') return pkg.version ?? '0';
    } catch { /* not here */ }
    dir = dirname(dir);
  }
  return '0';
}

export const PACKAGE_VERSION = findVersion();
