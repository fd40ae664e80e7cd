// Diagnostics for people (text with the source line and a caret), for tools (json) and for GitHub
// Actions (workflow-command annotations on the PR's lines). Pure: the caller supplies texts and paths.
import { authValueSpans, lineSecretSpans } from './secrets-policy.js';
import { REDACTED, type Diagnostic } from './types.js';

export type Format = 'text' | 'json' | 'github';

export interface FormatOptions {
  /** display path of a diagnostic's file (e.g. `extensions/6001.yaml`) */
  displayPath: (file: string) => string;
  /** source texts by SourceFile.path, for the excerpt under each text diagnostic */
  texts: ReadonlyMap<string, string>;
  color: boolean;
  /** passwords known to be in the texts: written (secret) wherever an excerpt would show them */
  secrets?: readonly string[];
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
  const authSpans = new Map<string, [number, number][]>();
  const splits = new Map<string, { lines: string[]; starts: number[] }>();
  for (const d of diags) {
    const where = d.line ? `${o.displayPath(d.file)}:${d.line}:${d.col}` : o.displayPath(d.file);
    const sev = d.severity === 'error' ? paint(o.color, '31;1', 'error') : paint(o.color, '33;1', 'warning');
    out.push(`${paint(o.color, '1', where)}  ${paint(o.color, '36', d.code)}  ${sev}: ${d.message}`);
    const text = o.texts.get(d.file);
    if (text !== undefined && d.line > 0) {
      // each file split once, with where each line starts, however many diagnostics it has
      let split = splits.get(d.file);
      if (!split) splits.set(d.file, split = splitLines(text));
      const line = split.lines[d.line - 1]?.replace(/\r$/, '') ?? '';
      if (!authSpans.has(d.file)) authSpans.set(d.file, authValueSpans(text));
      const lineStart = split.starts[Math.min(d.line - 1, split.starts.length - 1)]!;
      const onLine = authSpans.get(d.file)!.filter(([a, b]) => a < lineStart + line.length && b > lineStart)
        .map(([a, b]): [number, number] => [Math.max(0, a - lineStart), Math.min(line.length, b - lineStart)]);
      // show the line with tabs as spaces so the caret lines up, and never a password on it
      const { shown, at } = redactLine(line.replace(/\t/g, ' '), o.secrets ?? [], onLine);
      const col = at(d.col);
      const end = d.endLine === d.line ? at(d.endCol, true) : shown.length + 1;
      const width = Math.max(1, end - col);
      const gutter = String(d.line).padStart(4);
      out.push(`${paint(o.color, '2', `${gutter} |`)} ${shown}`);
      out.push(`${paint(o.color, '2', `${' '.repeat(gutter.length)} |`)} ${' '.repeat(col - 1)}${paint(o.color, d.severity === 'error' ? '31' : '33', '^'.repeat(width))}`);
    }
    if (d.hint) out.push(`       ${paint(o.color, '2', 'hint:')} ${d.hint}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

function splitLines(text: string): { lines: string[]; starts: number[] } {
  const lines = text.split('\n');
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) { starts.push(at); at += l.length + 1; }
  return { lines, starts };
}

/** A source line with every password written (secret), and where a 1-based column of the line went. */
export function redactLine(line: string, secrets: readonly string[], extra: readonly [number, number][] = []): { shown: string; at: (col: number, end?: boolean) => number } {
  const spans: [number, number][] = [...lineSecretSpans(line, secrets), ...extra.filter(([a, b]) => b > a).map(([a, b]): [number, number] => [a, b])];
  if (!spans.length) return { shown: line, at: (col) => col };
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const sp of spans) {
    const last = merged[merged.length - 1];
    if (last && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]);
    else merged.push([sp[0], sp[1]]);
  }
  let shown = '';
  let from = 0;
  for (const [a, b] of merged) {
    shown += line.slice(from, a) + REDACTED;
    from = b;
  }
  shown += line.slice(from);
  // a column inside a redacted span moves to its start; after it, by how much the text shrank or grew
  const at = (col: number, end = false): number => {
    const i = col - 1;
    let shift = 0;
    for (const [a, b] of merged) {
      if (end ? i <= a : i < a) break;
      if (i < b) return a + shift + 1 + (end ? REDACTED.length : 0);
      shift += REDACTED.length - (b - a);
    }
    return i + shift + 1;
  };
  return { shown, at };
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
