// Diagnostic codes and how a problem found at a byte range becomes a Diagnostic with line:col.
// Codes are part of the interface (CI scripts grep them): never rename one, only add.
import type { Diagnostic, Severity } from './types.js';

export const CODES = {
  // reading the files
  YAML_SYNTAX: 'the file is not valid YAML',
  DUPLICATE_KEY: 'a key appears twice in one mapping',
  ALIAS_LIMIT: 'too many YAML aliases (a billion-laughs style expansion)',
  MISSING_SITE: 'extensions/site.yaml is missing',
  NOT_A_MAPPING: 'the file must be a YAML mapping',
  // JSON Schema (schemas/*.schema.json)
  SCHEMA_TYPE: 'a value has the wrong type',
  SCHEMA_REQUIRED: 'a required key is missing',
  SCHEMA_UNKNOWN_KEY: 'a key the schema does not know',
  SCHEMA_ENUM: 'a value outside the allowed set',
  SCHEMA_PATTERN: 'a value does not have the required form',
  SCHEMA_RANGE: 'a number outside its allowed range',
  SCHEMA_SIZE: 'too short, too long, too few or too many items',
  SCHEMA_INVALID: 'the schema rejects this value',
  // the Asterisk option catalog (schemas/pjsip-options-22.json)
  UNKNOWN_OPTION: 'Asterisk 22 has no such wizard option: the object of its prefix is dropped, or the option is silently ignored',
  BAD_VALUE: 'a value Asterisk rejects or silently ignores',
  BAD_BOOLEAN: 'a boolean spelling Asterisk would silently read as false',
  BAD_NUMBER: 'not a number Asterisk accepts for this option',
  BAD_CODEC: 'not a codec Asterisk knows',
  DEPRECATED_OPTION: 'an option Asterisk 22 marks deprecated',
  IGNORED_OPTION: 'an option Asterisk accepts and ignores',
  OVERRIDDEN_OPTION: 'the wizard sets this option itself; the written value has no effect',
  RESERVED_OPTION: 'this option is written from a field of its own',
  EMPTY_VALUE: 'an option with no value',
  OPTION_NAME_CASE: 'an option name not written as the catalog spells it (Asterisk matches names ignoring case, prefixes not)',
  LEADING_ZERO: 'a number with a leading zero: Asterisk reads it as octal',
  VALUE_TRUNCATED: 'a value longer than the buffer Asterisk copies it into: it is cut silently',
  HOST_REFERENCE: 'a file or profile on the PBX host: Asterisk drops the object when it is missing',
  NO_EFFECT: 'an option that does nothing in this section (its object is not made)',
  OPTION_CONFLICT: 'options that Asterisk refuses together (a rule across options)',
  // rules across files
  DUPLICATE_EXTENSION: 'two files define the same extension number',
  FILE_NAME_MISMATCH: "the file name is not the extension's number",
  OUT_OF_RANGE: 'the extension number is in no range of site.yaml',
  TEMPLATE_NOT_ALLOWED: 'the range does not allow this template',
  UNKNOWN_TEMPLATE: 'no such template in site.yaml',
  RANGE_OVERLAP: 'two ranges share numbers',
  RANGE_ORDER: 'a range ends before it starts',
  MAX_CONTACTS_ZERO: 'a registering phone with aor/max_contacts 0 gets 403 on REGISTER',
  REGISTRATION_WITHOUT_AUTH: 'accepts_registrations without accepts_auth: anyone could register as the extension',
  UNKNOWN_TRANSPORT: 'a transport not declared in site.yaml',
  WEBRTC_TRANSPORT: 'a WebRTC template without a WebSocket transport: every call to it fails',
  NON_WEBRTC_WS_TRANSPORT: 'a non-WebRTC template on a WebSocket transport',
  OPUS_NO_PATH: 'Opus preferred where a reachable template has no Opus: calls between them drop',
  // the production profile: encrypted transports and media
  WEBRTC_NOT_WSS: 'a WebRTC template on a ws transport in production: browsers on https refuse ws://',
  CLEARTEXT_SIGNALING: 'SIP over udp or tcp in production: signaling is readable on the wire',
  CLEARTEXT_MEDIA: 'media_encryption = no in production: RTP is readable on the wire',
  // passwords
  PLAINTEXT_PASSWORD: 'a plaintext password in Git',
  WEAK_PASSWORD: 'a password shorter or simpler than the policy allows',
  DEFAULT_PASSWORD: 'a well-known default password',
  PASSWORD_CONTAINS_NUMBER: 'the password contains the extension number',
  PASSWORD_REUSED: 'the same password on more than one extension',
  // what reaches pjsip_wizard.conf
  CONTROL_CHARACTER: 'a control character (CR, LF, NUL, …) in a value could start a new config line',
  VALUE_WHITESPACE: 'leading or trailing spaces are trimmed by Asterisk',
  LINE_TOO_LONG: 'a config line over 8,190 bytes is dropped whole by Asterisk',
  BAD_SECTION_NAME: 'a section name Asterisk would cut or misread',
  SECTION_NAME_CLASH: 'two sections with the same name ignoring case',
  BAD_CALLERID_NAME: 'a character that breaks the callerid "name" <number> form',
} as const;

export type Code = keyof typeof CODES;

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

export function finding(
  code: Code, severity: Severity, at: { file: string; start: number; end: number },
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
