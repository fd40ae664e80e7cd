// Stage 1: YAML text → document with positions. Also maps a JSON Schema error's instancePath back to
// the YAML node it names, so a schema problem points at the offending value, not the file's top.
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import type { ErrorObject } from 'ajv';
import { closest, finding, toDiagnostics, type Code, type Finding } from './diagnostics.js';
import { underAuth } from './secrets-policy.js';
import { REDACTED, type Diagnostic, type SourceFile } from './types.js';

/** More aliases than this in one file is treated as an expansion attack. */
export const MAX_ALIASES = 50;

export interface ParsedYaml {
  file: string;
  text: string;
  doc: Document.Parsed;
  /** the plain JS value, or undefined when the text has YAML errors */
  value: unknown;
  findings: Finding[];
}

export type PathSegment = string | number;

export function parseYamlSource(source: SourceFile): ParsedYaml {
  // uniqueKeys off: the parser compares each key with every earlier one; duplicateKeys does it with a Set
  const doc = parseDocument(source.text, { uniqueKeys: false, prettyErrors: false, strict: true });
  const findings: Finding[] = [];
  const syntaxLines = new Set<number>();
  for (const start of duplicateKeys(doc)) {
    findings.push(finding('DUPLICATE_KEY', 'error', { file: source.path, start, end: start + 1 }, 'Map keys must be unique', 'keep one of the two keys'));
  }
  for (const e of doc.errors) {
    const code: Code = e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX';
    const [start, end] = e.pos;
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (code === 'DUPLICATE_KEY') {
      findings.push(finding(code, 'error', { file: source.path, start, end }, message, 'keep one of the two keys'));
      continue;
    }
    const plain = plainSyntaxError(e.code, message, source.text, start, end);
    // one mistake, one diagnostic: the parser often reports a wrong indent twice on the same line
    const line = lineOf(source.text, plain.start);
    if (syntaxLines.has(line)) continue;
    syntaxLines.add(line);
    findings.push(finding(code, 'error', { file: source.path, start: plain.start, end: plain.end }, plain.message, plain.hint));
  }
  let value: unknown;
  if (findings.length === 0) {
    let aliases = 0;
    let firstAlias: Node | undefined;
    // an alias needs a `*`; most files have none, so skip the walk for them
    if (source.text.includes('*')) visit(doc, { Alias(_, node) { aliases++; firstAlias ??= node; } });
    if (aliases > MAX_ALIASES) {
      const [start, end] = firstAlias?.range ?? [0, 0];
      findings.push(finding('ALIAS_LIMIT', 'error', { file: source.path, start, end },
        `${aliases} aliases in one file (at most ${MAX_ALIASES})`, 'write the values out instead of aliasing them'));
    } else {
      try {
        // maxAliasCount also bounds the size each alias may expand to
        value = doc.toJS({ maxAliasCount: MAX_ALIASES });
      } catch (err) {
        const [start, end] = firstAlias?.range ?? [0, 0];
        findings.push(finding('ALIAS_LIMIT', 'error', { file: source.path, start, end },
          err instanceof Error ? err.message : 'alias expansion refused'));
      }
    }
  }
  return { file: source.path, text: source.text, doc, value, findings };
}

/** Start offsets of the scalar keys that repeat an earlier key of the same mapping (what uniqueKeys: true reports). */
function duplicateKeys(doc: Document): number[] {
  const out: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) out.push(pair.key.range?.[0] ?? 0);
        else seen.add(pair.key.value);
      }
    },
  });
  return out;
}

const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;

/** Start offset of the line after the one holding `at` (or `at` at the last line). */
function nextLineStart(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? at : nl + 1;
}

/**
 * A YAML syntax error in plain words, at the place the engineer must edit: the over-indented line
 * (the parser points at the line above it), the quote or brace that was opened (it points at the
 * end of the file, where it gave up).
 */
function plainSyntaxError(code: string, message: string, text: string, start: number, end: number):
  { start: number; end: number; message: string; hint?: string } {
  const lineEnd = (at: number) => { const nl = text.indexOf('\n', at); return nl < 0 ? text.length : nl; };
  if (code === 'TAB_AS_INDENT') {
    return { start, end, message: 'a TAB indents this line; YAML indents with spaces only', hint: 'replace the TAB with spaces (2 per level, like the lines around it)' };
  }
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY') {
    // `a: 1` then a deeper `   b: 2`: the parser blames `a`; the line to fix is the deeper one
    let at = nextLineStart(text, start);
    while (at < text.length && /^\s*(#.*)?$/.test(text.slice(at, lineEnd(at)))) at = nextLineStart(text, at);
    const indent = /^ */.exec(text.slice(at))![0].length;
    return { start: at + indent, end: lineEnd(at), message: 'bad indentation: this line is indented deeper than the key above it, which already has a value',
      hint: 'indent it like the keys above it, or give the key above no value on its own line if this belongs under it' };
  }
  if (code === 'BAD_INDENT' && /same column/.test(message)) {
    return { start, end, message: 'bad indentation: this key does not line up with the keys above it', hint: 'indent it with the same number of spaces as its siblings' };
  }
  const quote = /^Missing closing ("|')quote/.exec(message);
  if (code === 'MISSING_CHAR' && quote) {
    const open = text.lastIndexOf(quote[1]!, start - 1);
    if (open >= 0) {
      return { start: open, end: open + 1, message: `unclosed quote: the ${quote[1]} opened here is never closed, so everything after it is read as one string`,
        hint: `close it on the same line (name: ${quote[1]}Desk 1${quote[1]})` };
    }
  }
  if (/end with a \}/.test(message) || /end with a \]/.test(message)) {
    const ch = /\}/.test(message) ? '{' : '[';
    const open = text.lastIndexOf(ch, start);
    if (open >= 0) {
      return { start: open, end: open + 1, message: `unclosed ${ch}: the ${ch} opened here has no closing ${ch === '{' ? '}' : ']'}`,
        hint: `close it where the ${ch === '{' ? 'mapping' : 'list'} ends, on the same line: { secret: "6001" }` };
    }
  }
  return { start, end, message };
}

/** The node at a path of keys and indexes; `key: true` returns the map key instead of its value. */
export function nodeAt(doc: Document, path: readonly PathSegment[], key = false): Node | null {
  let node: unknown = doc.contents;
  let lastPair: Pair | null = null;
  for (const seg of path) {
    while (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      lastPair = pairsOf(node).get(String(seg)) ?? null;
      if (!lastPair) return null;
      node = lastPair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      lastPair = null;
      node = node.items[seg];
    } else {
      return null;
    }
  }
  if (key && lastPair) return lastPair.key as Node;
  return (node as Node | null) ?? (lastPair?.key as Node | null) ?? null;
}

/** A mapping's pairs by key (the first of equal keys, as a find would): built once per mapping, so a path lookup is not a scan. */
const pairIndex = new WeakMap<YAMLMap, { items: number; byKey: Map<string, Pair> }>();
function pairsOf(map: YAMLMap): Map<string, Pair> {
  const known = pairIndex.get(map);
  if (known && known.items === map.items.length) return known.byKey;
  const byKey = new Map<string, Pair>();
  for (const p of map.items) {
    if (!isPair(p)) continue;
    const k = keyString(p.key);
    if (!byKey.has(k)) byKey.set(k, p as Pair);
  }
  pairIndex.set(map, { items: map.items.length, byKey });
  return byKey;
}

/** Whether the key `name` of the mapping at `path` has a value (`a: x`, `a:`), not just the key (`{ a }`, `? a`). */
function hasValue(doc: Document, path: readonly PathSegment[], name: string): boolean {
  const map = nodeAt(doc, path);
  const pair = isMap(map) ? map.items.find((p) => keyString(p.key) === name) : undefined;
  return pair?.value !== null;
}

function keyString(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

/** Byte range of the node at `path`, falling back to its nearest existing parent. */
export function rangeAt(doc: Document, path: readonly PathSegment[], key = false): { start: number; end: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n), key && n === path.length);
    if (node?.range) return { start: node.range[0], end: node.range[1] };
  }
  return { start: 0, end: 0 };
}

/** The exact source text of a scalar (keeps `0100` and `1.50` as written). */
export function scalarSource(doc: Document, path: readonly PathSegment[]): string | undefined {
  const node = nodeAt(doc, path);
  if (!isScalar(node)) return undefined;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'boolean') return node.value ? 'yes' : 'no';
  return typeof node.source === 'string' ? node.source : String(node.value);
}

export function decodePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const seg = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(seg) ? Number(seg) : seg;
  });
}

const KEYWORD_CODES: Record<string, Code> = {
  type: 'SCHEMA_TYPE', required: 'SCHEMA_REQUIRED', additionalProperties: 'SCHEMA_UNKNOWN_KEY',
  propertyNames: 'SCHEMA_UNKNOWN_KEY', enum: 'SCHEMA_ENUM', const: 'SCHEMA_ENUM',
  pattern: 'SCHEMA_PATTERN', format: 'SCHEMA_PATTERN', minimum: 'SCHEMA_RANGE', maximum: 'SCHEMA_RANGE',
  exclusiveMinimum: 'SCHEMA_RANGE', exclusiveMaximum: 'SCHEMA_RANGE', minLength: 'SCHEMA_SIZE',
  maxLength: 'SCHEMA_SIZE', minItems: 'SCHEMA_SIZE', maxItems: 'SCHEMA_SIZE', uniqueItems: 'SCHEMA_SIZE',
  minProperties: 'SCHEMA_SIZE', maxProperties: 'SCHEMA_SIZE',
};

/** ajv errors (run with verbose: true) → findings at the offending node. */
export function schemaFindings(parsed: ParsedYaml, errors: readonly ErrorObject[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames' && !e.params.propertyName) continue;
    const path = decodePointer(e.instancePath);
    const code = KEYWORD_CODES[e.keyword] ?? 'SCHEMA_INVALID';
    let at = rangeAt(parsed.doc, path);
    let message = `${describe(path)} ${e.message ?? 'is invalid'}`;
    let hint: string | undefined;
    if (e.keyword === 'additionalProperties') {
      const name = String(e.params.additionalProperty);
      at = rangeAt(parsed.doc, [...path, name], true);
      // `auth: { Hunter2 }` is a key only to YAML: a lone word under auth: may be the password itself
      const shown = underAuth(path) && !hasValue(parsed.doc, path, name) ? REDACTED : `'${name}'`;
      message = `unknown key ${shown}${path.length ? ` in ${describe(path)}` : ''}`;
      const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      const guess = closest(name, known);
      hint = guess ? `did you mean '${guess}'?` : known.length ? `allowed keys: ${known.join(', ')}` : undefined;
    } else if (e.keyword === 'propertyNames') {
      const name = String(e.params.propertyName);
      at = rangeAt(parsed.doc, [...path, name], true);
      message = `key '${name}' is not allowed here`;
    } else if (e.keyword === 'required') {
      message = `missing required key '${String(e.params.missingProperty)}'${path.length ? ` in ${describe(path)}` : ''}`;
      const node = nodeAt(parsed.doc, path);
      // point at the parent mapping's first line rather than its whole extent
      if (node?.range) at = { start: node.range[0], end: Math.min(node.range[1], lineEnd(parsed.text, node.range[0])) };
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      const allowed = (e.params.allowedValues ?? [e.params.allowedValue]) as unknown[];
      message = `${describe(path)} must be one of: ${allowed.map(String).join(', ')}`;
      const value = typeof e.data === 'string' ? e.data : undefined;
      const guess = value ? closest(value, allowed.map(String)) : undefined;
      if (guess) hint = `did you mean '${guess}'?`;
    } else if (e.keyword === 'pattern') {
      message = `${describe(path)} does not match ${String(e.params.pattern)}`;
    }
    if (typeof e.parentSchema?.description === 'string' && !hint && e.keyword !== 'required') {
      hint = e.parentSchema.description;
    }
    const dedupe = `${at.start}:${code}:${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    out.push(finding(code, 'error', { file: parsed.file, ...at }, message, hint));
  }
  return out;
}

function describe(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the file';
  return `'${path.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[')}'`;
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i === -1 ? text.length : i;
}

/** Findings of one parsed file as Diagnostics with line:col (for callers outside the compiler's pipeline). */
export function diagnosticsFor(parsed: ParsedYaml, findings: readonly Finding[]): Diagnostic[] {
  const texts = new Map([[parsed.file, parsed.text]]);
  return toDiagnostics(findings, texts);
}

/** ajv errors of one parsed file → Diagnostics at the offending values. */
export function schemaDiagnostics(parsed: ParsedYaml, errors: readonly ErrorObject[]): Diagnostic[] {
  return diagnosticsFor(parsed, schemaFindings(parsed, errors));
}
