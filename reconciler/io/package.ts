// The package's folder and version. The version is part of the no-recompile key: a new release may
// compile the same commit differently.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackage(): { root: string; version: string } {
  // from reconciler/io/ (tsx) or dist/reconciler/io/ (built): walk up to our package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pjsip-gitops') return { root: dir, version: pkg.version ?? '0' };
    } catch { /* not here */ }
    dir = dirname(dir);
  }
  return { root: process.cwd(), version: '0' };
}

const found = findPackage();
export const PACKAGE_VERSION = found.version;
/** the folder holding package.json, extensions/ and test/ */
export const PACKAGE_ROOT = found.root;
