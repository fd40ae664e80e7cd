// The shipped extensions/ folder compiled as the reconciler compiles it, and the dev passwords its
// files carry, for the real-Asterisk tier.
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compile } from '../../compiler/compile.js';
import type { CompiledModel, SourceFile } from '../../compiler/types.js';
import { readExtensionsDir } from '../../reconciler/sources.js';

export const EXTENSIONS_DIR = fileURLToPath(new URL('../../extensions/', import.meta.url));

export interface Shipped {
  sources: SourceFile[];
  conf: string;
  model: CompiledModel;
  /** the plaintext password an extension's file gives (`auth: { password: … }`) */
  password(number: string): string;
}

export async function compileShipped(): Promise<Shipped> {
  const sources = await readExtensionsDir(EXTENSIONS_DIR);
  const r = compile(sources, { sourceLabel: 'extensions/' });
  if (!r.ok) throw new Error(`the shipped extensions do not compile: ${r.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`).join(', ')}`);
  if (!r.deployable) throw new Error('the shipped extensions hold an unresolved secret');
  return {
    sources, conf: r.conf, model: r.model,
    password(number) {
      const ext = r.model.extensions.find((e) => e.number === number);
      const src = sources.find((s) => s.path === ext?.file);
      const pw = (parse(src?.text ?? '') as { auth?: { password?: unknown } } | null)?.auth?.password;
      if (typeof pw !== 'string') throw new Error(`${number}: its file gives no plaintext password`);
      return pw;
    },
  };
}

/** Extensions of the shipped model whose effective option `key` has `value`. */
export function numbersWhere(model: CompiledModel, key: string, value: string): string[] {
  return model.extensions.filter((e) => e.options[key] === value).map((e) => e.number);
}
