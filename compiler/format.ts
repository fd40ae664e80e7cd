// Diagnostics for people (text with the source line and a caret), for tools (json) and for GitHub
// Actions (workflow-command annotations on the PR's lines). Pure: the caller supplies texts and paths.
import type { Diagnostic } from './types.js';

export type Format = 'text' | 'json' | 'github';

export interface FormatOptions {
  /** display path of a diagnostic's file (e.g. `extensions/6001.yaml`) */
  displayPath: (file: string) => string;
  /** source texts by SourceFile.path, for the excerpt under each text diagnostic */
  texts: ReadonlyMap<string, string>;
  color: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function summaryLine(diags: readonly Diagnostic[], files: number): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'file')}`;
}

export function formatText(diags: readonly Diagnostic[], o: FormatOptions): string {
  const out: string[] = [];
  for (const d of diags) {
    const where = d.line ? `${o.displayPath(d.file)}:${d.line}:${d.col}` : o.displayPath(d.file);
    const sev = d.severity === 'error' ? paint(o.color, '31;1', 'error') : paint(o.color, '33;1', 'warning');
    out.push(`${paint(o.color, '1', where)}  ${paint(o.color, '36', d.code)}  ${sev}: ${d.message}`);
    const text = o.texts.get(d.file);
    if (text !== undefined && d.line > 0) {
      const line = text.split('\n')[d.line - 1]?.replace(/\r$/, '') ?? '';
      // show the line with tabs as spaces so the caret lines up
      const shown = line.replace(/\t/g, ' ');
      const width = d.endLine === d.line ? Math.max(1, d.endCol - d.col) : Math.max(1, shown.length - d.col + 1);
      const gutter = String(d.line).padStart(4);
      out.push(`${paint(o.color, '2', `${gutter} |`)} ${shown}`);
      out.push(`${paint(o.color, '2', `${' '.repeat(gutter.length)} |`)} ${' '.repeat(d.col - 1)}${paint(o.color, d.severity === 'error' ? '31' : '33', '^'.repeat(width))}`);
    }
    if (d.hint) out.push(`       ${paint(o.color, '2', 'hint:')} ${d.hint}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

export function formatJson(diags: readonly Diagnostic[], o: Pick<FormatOptions, 'displayPath'>, extra: Record<string, unknown> = {}): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  return JSON.stringify({
    ...extra,
    ok: errors === 0,
    errors,
    warnings: diags.length - errors,
    diagnostics: diags.map((d) => ({ ...d, file: o.displayPath(d.file) })),
  }, null, 2) + '\n';
}

// workflow commands: data escapes %, CR, LF; properties also escape : and ,
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(diags: readonly Diagnostic[], o: Pick<FormatOptions, 'displayPath'>): string {
  return diags.map((d) => {
    const props = [`file=${ghProp(o.displayPath(d.file))}`];
    if (d.line) props.push(`line=${d.line}`, `col=${d.col}`, `endLine=${d.endLine}`, `endColumn=${d.endCol}`);
    props.push(`title=${ghProp(d.code)}`);
    const message = d.hint ? `${d.message} (${d.hint})` : d.message;
    return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${ghData(message)}\n`;
  }).join('');
}
