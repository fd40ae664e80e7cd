// Reads the extensions folder into the compiler's input: every *.yaml / *.yml file at its top level.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceFile } from '../compiler/types.js';

export async function readExtensionsDir(dir: string): Promise<SourceFile[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
    .map((d) => d.name)
    .sort();
  // bounded parallelism: 100,000 files must not exhaust file descriptors
  const out: SourceFile[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) {
      out[i] = { path: names[i]!, text: await readFile(join(dir, names[i]!), 'utf8') };
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return out;
}
