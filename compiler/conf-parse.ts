// Reads an Asterisk config text (pjsip_wizard.conf) the way main/config.c does, as far as a wizard file
// needs: sections, `(!)` templates, inheritance from earlier sections left to right, `(+)` appends,
// `+=`, `;` comments, `\;` escapes, nestable `;--` … `--;` block comments, CRLF. Pure: an `#include`
// is reported, never followed. Also compares two wizard files by what each extension ends up with.
import type { CodeOf } from './codes.js';
import { isSecretOption } from './secrets-policy.js';
import { REDACTED, type Severity } from './types.js';

/** One `key = value` line, after comments and escapes are removed. */
export interface ConfVariable {
  key: string;
  value: string;
  /** 1-based line where the value was (last) written */
  line: number;
}

export interface ConfSection {
  name: string;
  isTemplate: boolean;
  /** the templates named in the header, as written */
  templates: string[];
  line: number;
  /** inherited variables first (in template order), then the section's own; `+=` already applied */
  variables: ConfVariable[];
  /** the section's own lines only, as written (op `+=` kept) */
  own: (ConfVariable & { append: boolean })[];
}

export interface ConfDirective { line: number; name: string; argument: string }

export interface ConfProblem {
  code: CodeOf<'conf'>;
  severity: Severity;
  line: number;
  message: string;
}

export interface ConfFile {
  /** false when Asterisk would reject the whole file (it then keeps the endpoints it had) */
  ok: boolean;
  sections: ConfSection[];
  directives: ConfDirective[];
  problems: ConfProblem[];
}

const MAX_NAME = 79;

/** Removes comments from one line; `depth` carries open block comments from line to line. */
function stripComments(raw: string, state: { depth: number; stray: boolean }): string {
  if (state.depth === 0 && !raw.includes(';')) return raw; // most lines: nothing to strip
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (state.depth > 0) {
      if (raw.startsWith(';--', i)) { state.depth++; i += 2; }
      else if (raw.startsWith('--;', i)) { state.depth--; i += 2; }
      continue;
    }
    if (raw[i] === '\\' && raw[i + 1] === ';') { out += ';'; i++; continue; }
    if (raw[i] === ';') {
      if (raw.startsWith(';--', i)) { state.depth = 1; i += 2; continue; }
      // `--;` outside a block: config.c loses track and every later line is dropped
      if (out.endsWith('--')) { state.stray = true; return out.slice(0, -2); }
      return out;
    }
    out += raw[i];
  }
  return out;
}

const trimConf = (s: string) => s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');

export function parseConf(text: string): ConfFile {
  const sections: ConfSection[] = [];
  const byName = new Map<string, ConfSection>();
  const directives: ConfDirective[] = [];
  const problems: ConfProblem[] = [];
  const problem = (p: ConfProblem) => problems.push(p);
  const state = { depth: 0, stray: false };
  let current: ConfSection | undefined;
  let blockStart = 0;

  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    if (state.stray) {
      problem({ code: 'CONF_STRAY_BLOCK_END', severity: 'warning', line: lineNo - 1,
        message: `a '--;' with no open ';--' block: Asterisk ignores every line after line ${lineNo - 1}` });
      break;
    }
    const wasOpen = state.depth > 0;
    const line = trimConf(stripComments(lines[n]!, state));
    if (!wasOpen && state.depth > 0) blockStart = lineNo;
    if (line === '') continue;

    if (line.startsWith('#')) {
      const m = /^#\s*(\w+)\s*(.*)$/.exec(line);
      const d = { line: lineNo, name: m?.[1] ?? line.slice(1), argument: (m?.[2] ?? '').replace(/^["<]|[">]$/g, '') };
      directives.push(d);
      problem({ code: 'CONF_DIRECTIVE', severity: 'warning', line: lineNo,
        message: `#${d.name} ${d.argument} is not followed: its sections are not read` });
      continue;
    }

    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      if (close === -1) {
        problem({ code: 'CONF_UNCLOSED_SECTION', severity: 'error', line: lineNo, message: `section header without ']': Asterisk rejects the whole file` });
        return { ok: false, sections, directives, problems };
      }
      let name = line.slice(1, close);
      if (Buffer.byteLength(name) > MAX_NAME) {
        problem({ code: 'CONF_LONG_NAME', severity: 'warning', line: lineNo, message: `section name longer than ${MAX_NAME} bytes is cut by Asterisk` });
        name = Buffer.from(name).subarray(0, MAX_NAME).toString('utf8');
      }
      const after = line.slice(close + 1);
      const opts = after.startsWith('(') && after.includes(')') ? after.slice(1, after.indexOf(')')).split(',') : [];
      const isTemplate = opts.includes('!');
      const append = opts.includes('+');
      const templates = opts.filter((o) => o !== '!' && o !== '+');
      const existing = byName.get(name.toLowerCase());
      if (append && existing) { current = existing; continue; }
      if (existing) {
        problem({ code: 'CONF_DUPLICATE_SECTION', severity: 'warning', line: lineNo,
          message: `section [${name}] is defined again (first at line ${existing.line}); only the first is imported` });
      }
      const section: ConfSection = { name, isTemplate, templates, line: lineNo, variables: [], own: [] };
      for (const t of templates) {
        const from = byName.get(t.toLowerCase());
        if (!from) {
          problem({ code: 'CONF_UNKNOWN_TEMPLATE', severity: 'error', line: lineNo,
            message: `[${name}] inherits '${t}', which no earlier section defines: Asterisk rejects the whole file` });
          return { ok: false, sections, directives, problems };
        }
        section.variables.push(...from.variables.map((v) => ({ ...v })));
      }
      current = section;
      sections.push(section);
      if (!existing) byName.set(name.toLowerCase(), section);
      continue;
    }

    if (!current) {
      problem({ code: 'CONF_NO_SECTION', severity: 'error', line: lineNo, message: 'an option before any [section]: Asterisk rejects the whole file' });
      return { ok: false, sections, directives, problems };
    }
    const eq = line.indexOf('=');
    if (eq === -1) {
      problem({ code: 'CONF_NO_EQUALS', severity: 'warning', line: lineNo, message: `a line without '=' (Asterisk ignores it)` });
      continue;
    }
    let key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.startsWith('>')) value = value.slice(1); // `=>` is accepted as `=`
    const appendOp = key.endsWith('+');
    if (appendOp) key = key.slice(0, -1);
    key = trimConf(key);
    value = trimConf(value);
    current.own.push({ key, value, line: lineNo, append: appendOp });
    const last = appendOp ? findLast(current.variables, key) : undefined;
    if (last) {
      last.value = trimConf(last.value + value);
      last.line = lineNo;
    } else {
      current.variables.push({ key, value, line: lineNo });
    }
  }
  if (state.depth > 0) {
    problem({ code: 'CONF_UNCLOSED_BLOCK', severity: 'warning', line: blockStart, message: `a ';--' block comment opened here is never closed: the rest of the file is a comment` });
  }
  return { ok: true, sections, directives, problems };
}

function findLast(vars: ConfVariable[], key: string): ConfVariable | undefined {
  for (let i = vars.length - 1; i >= 0; i--) if (vars[i]!.key.toLowerCase() === key.toLowerCase()) return vars[i];
  return undefined;
}

/** The first section of that name (Asterisk matches names ignoring case). */
export function findSection(conf: ConfFile, name: string): ConfSection | undefined {
  return conf.sections.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

const CODEC_KEYS = new Set(['endpoint/allow', 'endpoint/disallow']);

/**
 * What the wizard applies for a section: key (lower case) → value, the last write winning — except
 * `endpoint/allow`/`endpoint/disallow`, which add and remove codecs in order and are folded into one
 * `endpoint/allow` list (written after `disallow = all`).
 */
export function effectiveOptions(variables: readonly ConfVariable[]): Map<string, string> {
  const out = new Map<string, string>();
  let codecs: string[] | undefined;
  for (const v of variables) {
    const key = v.key.toLowerCase();
    if (!CODEC_KEYS.has(key)) { out.set(key, v.value); continue; }
    codecs ??= [];
    const items = v.value.split(/[,|]/).map((s) => s.trim()).filter(Boolean);
    for (const item of items) {
      const negate = key === 'endpoint/disallow' ? !item.startsWith('!') : item.startsWith('!');
      const name = item.replace(/^!/, '');
      if (negate) codecs = name === 'all' ? [] : codecs.filter((c) => c.split(':')[0] !== name.split(':')[0]);
      else if (!codecs.some((c) => c.split(':')[0] === name.split(':')[0])) codecs.push(name);
    }
  }
  if (codecs) out.set('endpoint/allow', codecs.join(','));
  return out;
}

/** Extension sections (non-template, type = wizard) → normalised effective options. */
function extensionSections(conf: ConfFile): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const s of conf.sections) {
    if (s.isTemplate || out.has(s.name)) continue;
    const eff = effectiveOptions(s.variables);
    if (eff.get('type')?.toLowerCase() !== 'wizard') continue;
    eff.set('type', 'wizard'); // matched ignoring case
    if (!eff.has('inbound_auth/username')) eff.set('inbound_auth/username', s.name);
    const callerid = eff.get('endpoint/callerid');
    const m = callerid === undefined ? null : /^\s*(?:"([^"]*)"|([^"<]*?))\s*<([^>]*)>\s*$/.exec(callerid);
    if (m) eff.set('endpoint/callerid', `"${(m[1] ?? m[2] ?? '').trim()}" <${m[3]}>`);
    out.set(s.name, eff);
  }
  return out;
}

/**
 * Differences, section by section, between what two wizard files make Asterisk apply to each
 * extension (key order ignored). Passwords are compared but never shown.
 */
export function compareEffective(original: ConfFile, compiled: ConfFile, ignored: Record<string, string[]> = {}): string[] {
  const a = extensionSections(original);
  const b = extensionSections(compiled);
  const out: string[] = [];
  for (const name of a.keys()) if (!b.has(name)) out.push(`[${name}] is missing after import`);
  for (const name of b.keys()) if (!a.has(name)) out.push(`[${name}] appears only after import`);
  for (const [name, before] of a) {
    const after = b.get(name);
    if (!after) continue;
    const skip = new Set(ignored[name] ?? []);
    const keys = new Set([...before.keys(), ...after.keys()]);
    for (const key of [...keys].sort()) {
      if (skip.has(key) || before.get(key) === after.get(key)) continue;
      const show = (v: string | undefined) => (v === undefined ? '(not set)' : isSecretOption(key) ? REDACTED : v);
      out.push(`[${name}] ${key}: ${show(before.get(key))} before, ${show(after.get(key))} after import`);
    }
  }
  return out;
}
