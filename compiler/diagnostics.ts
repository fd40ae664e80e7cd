// How a problem found at a byte range becomes a Diagnostic with line:col. The codes are in codes.ts.
import type { Code, SeverityOf } from './codes.js';
import type { Diagnostic, Severity } from './types.js';

export type { Code } from './codes.js';

/** A problem as the stages find it: a byte range in one file. Line:col is computed once, at the end. */
export interface Finding {
  code: Code;
  severity: Severity;
  file: string;
  start: number;
  end: number;
  message: string;
  hint?: string;
}

export type Report = (f: Finding) => void;

export function finding<C extends Code>(
  code: C, severity: SeverityOf<C>, at: { file: string; start: number; end: number },
  message: string, hint?: string,
): Finding {
  return { code, severity, file: at.file, start: at.start, end: at.end, message, ...(hint ? { hint } : {}) };
}

/** 1-based line and column of a byte offset; columns count UTF-16 units like editors do. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const stop = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < stop; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: stop - lineStart + 1 };
}

export function toDiagnostic(f: Finding, texts: ReadonlyMap<string, string>): Diagnostic {
  const text = texts.get(f.file);
  if (text === undefined || f.start < 0) {
    return { code: f.code, severity: f.severity, file: f.file, line: 0, col: 0, endLine: 0, endCol: 0,
      message: f.message, ...(f.hint ? { hint: f.hint } : {}) };
  }
  const a = lineColAt(text, f.start);
  const b = lineColAt(text, Math.max(f.end, f.start));
  return { code: f.code, severity: f.severity, file: f.file, line: a.line, col: a.col, endLine: b.line,
    endCol: b.col, message: f.message, ...(f.hint ? { hint: f.hint } : {}) };
}

/** Stable order: file, then position, then code. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) ||
    x.line - y.line || x.col - y.col || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
}

/** Closest of `candidates` to `word` by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestCost = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const cost = editDistance(word.toLowerCase(), c.toLowerCase(), bestCost);
    if (cost < bestCost) { best = c; bestCost = cost; }
  }
  return best;
}

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
