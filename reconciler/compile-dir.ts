// Reading an extensions folder, compiling it, and printing diagnostics: shared by validate and compile.
import { relative, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { compile } from '../compiler/compile.js';
import { formatGithub, formatJson, formatText, summaryLine, type Format } from '../compiler/format.js';
import type { CompileOptions, CompileResult, Diagnostic, SourceFile } from '../compiler/types.js';
import { compiledPasswords, sourcePasswords } from '../compiler/plan/redact.js';
import { readExtensionsDir } from './sources.js';

export class UsageError extends Error {}

export interface DirCompile {
  dir: string;
  sources: SourceFile[];
  result: CompileResult;
}

export async function compileDir(dir: string, options: CompileOptions = {}): Promise<DirCompile> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a folder (expected the extensions folder with site.yaml)`);
  const sources = await readExtensionsDir(abs);
  const label = `${relative(process.cwd(), abs) || '.'}/`;
  return { dir: abs, sources, result: compile(sources, { sourceLabel: label, ...options }) };
}

export function parseFormat(value: string | undefined, allowed: readonly string[] = ['text', 'json', 'github']): Format {
  const f = value ?? 'text';
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return f as Format;
}

/** Diagnostics as the user asked for them; paths shown relative to the working directory. */
export function renderDiagnostics(c: DirCompile, diags: readonly Diagnostic[], format: Format, color: boolean, extra: Record<string, unknown> = {}): string {
  const displayPath = (file: string) => (file ? relative(process.cwd(), resolve(c.dir, file)) : relative(process.cwd(), c.dir));
  if (format === 'json') return formatJson(diags, { displayPath }, extra);
  if (format === 'github') return formatGithub(diags, { displayPath });
  const texts = new Map(c.sources.map((s) => [s.path, s.text]));
  // the excerpts show source lines: the passwords of the files they come from are written (secret)
  const shownFiles = new Set(diags.filter((d) => d.line > 0).map((d) => d.file));
  const secrets = [...sourcePasswords(c.sources.filter((s) => shownFiles.has(s.path))), ...compiledPasswords(c.result)];
  return formatText(diags, { displayPath, texts, color, secrets }) + `${summaryLine(diags, c.sources.length)}\n`;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Wraps a command body: usage errors exit 2 with the message and the command's help. */
export async function runCommand(help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`pjsip-gitops: ${(err as Error).message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
}
