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

/** A hint worked out only when read: a "did you mean" search costs more than the rest of a finding. */
export type LazyHint = () => string;

export function finding<C extends Code>(
  code: C, severity: SeverityOf<C>, at: { file: string; start: number; end: number },
  message: string, hint?: string | LazyHint,
): Finding {
  const f: Finding = { code, severity, file: at.file, start: at.start, end: at.end, message };
  if (typeof hint === 'function') defineLazyHint(f, hint);
  else if (hint) f.hint = hint;
  return f;
}

/**
 * `hint` as an enumerable property computed on first read and then kept: JSON and spreads see it
 * like any other, but a problem never printed (past --max-warnings, GitHub's annotation cap) costs no
 * search. A lazy hint always yields a string, so the property is never there with no value.
 */
function defineLazyHint(o: { hint?: string }, make: LazyHint): void {
  Object.defineProperty(o, 'hint', {
    enumerable: true,
    configurable: true,
    get() {
      const value = make();
      Object.defineProperty(o, 'hint', { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
  });
}

/** Copy `from`'s hint onto `to`, keeping it lazy when it has not been read yet. */
function copyHint(from: Finding, to: Diagnostic): Diagnostic {
  const d = Object.getOwnPropertyDescriptor(from, 'hint');
  if (d?.get) defineLazyHint(to, () => from.hint!);
  else if (from.hint) to.hint = from.hint;
  return to;
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

/** Start offset of every line of `text`, for many lineColAt-like look-ups in one text. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** lineColAt through a lineStarts index: a binary search instead of a scan from the top. */
function lineColIn(text: string, starts: readonly number[], offset: number): { line: number; col: number } {
  const stop = Math.min(Math.max(offset, 0), text.length);
  let lo = 0;
  let hi = starts.length - 1;
  // the last line whose newline lies before `stop` (lineColAt counts a newline at `stop` to the line it ends)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! - 1 < stop) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, col: stop - starts[lo]! + 1 };
}

/** `lines` caches each file's lineStarts across calls: pass one Map when converting many findings. */
export function toDiagnostic(f: Finding, texts: ReadonlyMap<string, string>, lines = new Map<string, number[]>()): Diagnostic {
  const text = texts.get(f.file);
  if (text === undefined || f.start < 0) {
    return copyHint(f, { code: f.code, severity: f.severity, file: f.file, line: 0, col: 0, endLine: 0, endCol: 0,
      message: f.message });
  }
  let starts = lines.get(f.file);
  if (!starts) lines.set(f.file, starts = lineStarts(text));
  const a = lineColIn(text, starts, f.start);
  const b = lineColIn(text, starts, Math.max(f.end, f.start));
  return copyHint(f, { code: f.code, severity: f.severity, file: f.file, line: a.line, col: a.col, endLine: b.line,
    endCol: b.col, message: f.message });
}

/** Many findings at once: each file's line index is built once. */
export function toDiagnostics(findings: readonly Finding[], texts: ReadonlyMap<string, string>): Diagnostic[] {
  const lines = new Map<string, number[]>();
  return findings.map((f) => toDiagnostic(f, texts, lines));
}

/** Stable order: file, then position, then code. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) ||
    x.line - y.line || x.col - y.col || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
}

/** Closest of `candidates` to `word` by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lowered = loweredOf(candidates);
  const w = word.toLowerCase();
  // the same misspelling copied into many files is searched once
  const memo = answers.get(lowered);
  const known = memo?.get(word);
  if (known !== undefined) return known || undefined;
  const found = search(w, word.length, lowered);
  if (memo && memo.size < 10_000) memo.set(word, found ?? '');
  return found;
}

/** Earlier answers for each cached candidate list, by word ('' for none). */
const answers = new WeakMap<object, Map<string, string>>();

function search(w: string, wordLength: number, lowered: [string, string][]): string | undefined {
  let best: string | undefined;
  let bestCost = Math.max(2, Math.floor(wordLength / 3)) + 1;
  for (let i = 0; i < w.length; i++) charCounts[w.charCodeAt(i)]!++;
  try {
    for (const [c, lower] of lowered) {
      // the cheap lower bound first: a file with thousands of unknown names skips most candidates here
      if (Math.abs(w.length - lower.length) >= bestCost || bagDistance(w.length, lower) >= bestCost) continue;
      const cost = editDistance(w, lower, bestCost);
      if (cost < bestCost) { best = c; bestCost = cost; }
    }
  } finally {
    for (let i = 0; i < w.length; i++) charCounts[w.charCodeAt(i)]!--;
  }
  return best;
}

/** How many of each UTF-16 unit the word being matched holds (all zero between calls). */
const charCounts = new Int32Array(65536);

/**
 * The bag distance of the counted word and `b`: the larger of the characters only one of them has,
 * counted with multiplicity. No edit changes it by more than one, so it never exceeds the edit
 * distance, and it costs two walks over `b` instead of a table of both lengths.
 */
function bagDistance(wordLength: number, b: string): number {
  let extra = 0; // characters of b the word lacks
  for (let i = 0; i < b.length; i++) if (--charCounts[b.charCodeAt(i)]! < 0) extra++;
  for (let i = 0; i < b.length; i++) charCounts[b.charCodeAt(i)]!++;
  const missing = wordLength - (b.length - extra); // characters of the word b lacks
  return Math.max(extra, missing);
}

// the catalog's long candidate lists come back as the same array each time: lower-case them once
const loweredLists = new WeakMap<object, [string, string][]>();
function loweredOf(candidates: Iterable<string>): [string, string][] {
  const known = Array.isArray(candidates) ? loweredLists.get(candidates) : undefined;
  if (known) return known;
  const list = [...candidates].map((c): [string, string] => [c, c.toLowerCase()]);
  if (Array.isArray(candidates)) {
    loweredLists.set(candidates, list);
    answers.set(list, new Map());
  }
  return list;
}

let prevRow = new Int32Array(64);
let curRow = new Int32Array(64);

/** Levenshtein distance of a and b, or `limit` as soon as it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  if (prevRow.length <= b.length) { prevRow = new Int32Array(b.length + 1); curRow = new Int32Array(b.length + 1); }
  let prev = prevRow;
  let cur = curRow;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1));
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    // a row's minimum never falls further down the table
    if (rowMin >= limit) return limit;
    const t = prev; prev = cur; cur = t;
  }
  return prev[b.length]!;
}
