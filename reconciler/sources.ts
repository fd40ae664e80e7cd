// Reads the extensions folder into the compiler's input: every *.yaml / *.yml file in it, subfolders
// included (an admin may group extensions by department), as paths relative to the folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../compiler/types.js';

/**
 * Synchronous on purpose: for 10,000 small files, a plain read loop is about twice as fast as
 * promise-per-file reads, and callers (the CLI, one pass) have nothing else to do meanwhile.
 */
export async function readExtensionsDir(dir: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(path);
      else if (d.isFile() && /\.ya?ml$/.test(d.name)) out.push({ path, text: readFileSync(join(dir, path), 'utf8') });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
