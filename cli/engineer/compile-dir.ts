// Reading an extensions folder, compiling it, and printing diagnostics: shared by validate, compile and new.
import { relative, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { compile } from '../../compiler/compile.js';
import { formatGithub, formatJson, formatText, summaryLine, type Format } from '../../compiler/format.js';
import { compiledPasswords, sourcePasswords } from '../../compiler/plan/redact.js';
import type { CompileOptions, CompileResult, Diagnostic, SourceFile } from '../../compiler/types.js';
import { readExtensionsDir } from '../../reconciler/sources.js';
import { UsageError } from '../args.js';

export interface DirCompile {
  dir: string;
  sources: SourceFile[];
  result: CompileResult;
}

/** `dir` as given (relative to `cwd`), compiled; labels and paths are shown relative to `cwd`. */
export async function compileDir(dir: string, cwd: string, options: CompileOptions = {}): Promise<DirCompile> {
  const abs = resolve(cwd, dir);
  const info = await stat(abs).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a folder (expected the extensions folder with site.yaml)`);
  const sources = await readExtensionsDir(abs);
  const label = `${relative(cwd, abs) || '.'}/`;
  return { dir: abs, sources, result: compile(sources, { sourceLabel: label, ...options }) };
}

export function parseFormat(value: string | undefined, allowed: readonly string[] = ['text', 'json', 'github']): Format {
  const f = value ?? 'text';
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return f as Format;
}

/** Diagnostics as the user asked for them; paths shown relative to `cwd`. */
export function renderDiagnostics(c: DirCompile, diags: readonly Diagnostic[], format: Format, color: boolean, cwd: string,
  extra: Record<string, unknown> = {}): string {
  const displayPath = (file: string) => (file ? relative(cwd, resolve(c.dir, file)) : relative(cwd, c.dir));
  if (format === 'json') return formatJson(diags, { displayPath }, extra);
  if (format === 'github') return formatGithub(diags, { displayPath });
  const texts = new Map(c.sources.map((s) => [s.path, s.text]));
  // the excerpts show source lines: the passwords of the files they come from are written (secret)
  const shownFiles = new Set(diags.filter((d) => d.line > 0).map((d) => d.file));
  const secrets = [...sourcePasswords(c.sources.filter((s) => shownFiles.has(s.path))), ...compiledPasswords(c.result)];
  return formatText(diags, { displayPath, texts, color, secrets }) + `${summaryLine(diags, c.sources.length)}\n`;
}
