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
  if (format === 'github') return formatGithub(diags, { displayPath }) + githubOverflow(diags);
  const texts = new Map(c.sources.map((s) => [s.path, s.text]));
  // the excerpts show source lines: the passwords of the files they come from are written (secret)
  const shownFiles = new Set(diags.filter((d) => d.line > 0).map((d) => d.file));
  const secrets = [...sourcePasswords(c.sources.filter((s) => shownFiles.has(s.path))), ...compiledPasswords(c.result)];
  return formatText(diags, { displayPath, texts, color, secrets }) + `${summaryLine(diags, c.sources.length)}\n`;
}

/** --quiet and --max-warnings, as ESLint has them: shared by validate and compile. */
export const OUTPUT_OPTIONS = {
  quiet: { type: 'boolean', short: 'q' },
  'max-warnings': { type: 'string' },
} as const;

export const OUTPUT_HELP = `  -q, --quiet          errors only (warnings are still counted for --max-warnings)
  --max-warnings N     exit 1 when there are more than N warnings (as ESLint)
`;

export interface OutputPolicy { quiet: boolean; maxWarnings?: number }

export function outputPolicy(values: { quiet?: boolean; 'max-warnings'?: string }): OutputPolicy {
  const raw = values['max-warnings'];
  if (raw !== undefined && !/^\d+$/.test(raw)) throw new UsageError(`--max-warnings takes a whole number, not '${raw}'`);
  return { quiet: values.quiet === true, ...(raw !== undefined ? { maxWarnings: Number(raw) } : {}) };
}

/** What to print, and the line that explains an exit 1 caused by warnings alone. */
export function applyPolicy(diags: readonly Diagnostic[], policy: OutputPolicy): { shown: Diagnostic[]; tooMany?: string } {
  const warnings = diags.filter((d) => d.severity === 'warning').length;
  const shown = policy.quiet ? diags.filter((d) => d.severity === 'error') : [...diags];
  if (policy.maxWarnings === undefined || warnings <= policy.maxWarnings) return { shown };
  return { shown, tooMany: `${warnings} warnings, more than --max-warnings ${policy.maxWarnings}` };
}

/** GitHub shows at most this many annotations of each kind per step; the rest vanish silently. */
export const GITHUB_ANNOTATION_LIMIT = 10;

/** One notice per kind past GitHub's limit, counting by code, so the hidden ones are not lost. */
export function githubOverflow(diags: readonly Diagnostic[]): string {
  let out = '';
  for (const kind of ['error', 'warning'] as const) {
    const of = diags.filter((d) => d.severity === kind);
    if (of.length <= GITHUB_ANNOTATION_LIMIT) continue;
    const byCode = new Map<string, number>();
    for (const d of of) byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
    const counts = [...byCode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c, n]) => `${c} ×${n}`).join(', ');
    out += `::notice title=${kind}s by code::${of.length} ${kind}s, GitHub shows the first ${GITHUB_ANNOTATION_LIMIT}: ${counts}` +
      ` (pjsip-gitops validate lists them all)\n`;
  }
  return out;
}
