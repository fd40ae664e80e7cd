// Reads an Asterisk config file the way main/config.c does, as far as asterisk/BEHAVIOR.md records it:
// comments, escapes, block comments, templates, inheritance, `+=`, directives and the cases that make
// the whole file invalid. Written from those facts, sharing nothing with compiler/: it is the
// independent check of what the compiler emits.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

const MAX_LINE_BYTES = 8190;
const MAX_CATEGORY_BYTES = 79;
const MAX_NESTED_COMMENTS = 128;

/** Trim bytes below 0x21 at both ends (ast_strip). */
export function strip(s) {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) < 0x21) a++;
  while (b > a && s.charCodeAt(b - 1) < 0x21) b--;
  return s.slice(a, b);
}

function cutBytes(s, max) {
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= max ? s : buf.subarray(0, max).toString('utf8');
}

/**
 * Parse a config file.
 * @returns {{ ok: true, categories: Category[], directives: string[], warnings: string[] } |
 *           { ok: false, error: string }}
 * where Category = { name, isTemplate, templates: string[], vars: {name, value}[] }
 */
export function parseConfigFile(path, opts = {}) {
  let data;
  try {
    data = readFileSync(path);
  } catch (err) {
    return { ok: false, error: `Unable to load config ${path}: ${err.code ?? err.message}` };
  }
  const state = { categories: [], current: null, directives: [], warnings: [], depth: 0, includeDepth: 0 };
  const error = parseBuffer(data, path, state, opts);
  if (error) return { ok: false, error };
  return { ok: true, categories: state.categories, directives: state.directives, warnings: state.warnings };
}

function parseBuffer(data, path, state, opts) {
  const rawLines = splitLines(data);
  for (let i = 0; i < rawLines.length; i++) {
    const lineno = i + 1;
    let bytes = rawLines[i];
    if (bytes.length > MAX_LINE_BYTES) {
      state.warnings.push(`line ${lineno} of ${path} is longer than ${MAX_LINE_BYTES} bytes: dropped`);
      continue;
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) bytes = bytes.subarray(0, nul);
    const text = removeComments(bytes.toString('utf8'), state);
    if (text === null) continue;
    const line = strip(text);
    if (line === '') continue;
    const error = processLine(line, lineno, path, state, opts);
    if (error) return error;
  }
  return null;
}

function splitLines(data) {
  const lines = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push(data.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

/**
 * Applies `;` comments, `\;` escapes and `;--` / `--;` block comments to one line, keeping the
 * parser's own semantics: the buffer may hold NULs (written where a comment starts) and a scan stops
 * at the first one. Returns the text to process, or null when the line is inside a comment.
 * state.depth is the block-comment depth; a stray `--;` takes it below zero, and from then on every
 * line counts as commented out.
 */
function removeComments(line, state) {
  let buf = line;
  let processAt = state.depth === 0 ? 0 : -1; // where the text to process starts, -1: none
  const cstr = (from) => {
    const nul = buf.indexOf('\0', from);
    return nul < 0 ? buf.slice(from) : buf.slice(from, nul);
  };
  let scanAt = 0;
  for (;;) {
    const rest = cstr(scanAt);
    const off = rest.indexOf(';');
    if (off < 0) break;
    const p = scanAt + off;
    if (p > scanAt && buf[p - 1] === '\\') {
      // `\;` is a literal semicolon: the backslash goes, the `;` stays
      buf = buf.slice(0, p - 1) + cstr(p);
      scanAt = p;
    } else if (buf[p + 1] === '-' && buf[p + 2] === '-' && buf[p + 3] !== '-') {
      // `;--` opens a nestable block comment; the text before it on this line still counts
      if (state.depth < MAX_NESTED_COMMENTS) {
        buf = buf.slice(0, p) + '\0' + buf.slice(p + 1);
        scanAt = p + 3;
        state.depth++;
      } else {
        scanAt = p + 1;
      }
    } else if (p >= scanAt + 2 && buf[p - 1] === '-' && buf[p - 2] === '-') {
      // `--;` closes one; with none open the depth goes below zero and the rest of the file is lost
      state.depth--;
      scanAt = p + 1;
      if (state.depth === 0) {
        if (processAt >= 0) {
          const end = processAt + cstr(processAt).length;
          buf = buf.slice(0, end) + cstr(scanAt);
          scanAt = end;
        } else {
          processAt = scanAt;
        }
      }
    } else if (state.depth === 0) {
      // a plain `;` ends the line
      buf = buf.slice(0, p);
      break;
    } else {
      scanAt = p + 1;
    }
  }
  return processAt >= 0 ? cstr(processAt) : null;
}

function findCategory(state, name) {
  const lower = name.toLowerCase();
  for (let i = state.categories.length - 1; i >= 0; i--) {
    if (state.categories[i].name.toLowerCase() === lower) return state.categories[i];
  }
  return null;
}

function processLine(line, lineno, path, state, opts) {
  if (line[0] === '[') return processCategory(line, lineno, path, state);
  if (line[0] === '#') return processDirective(line, lineno, path, state, opts);
  if (!state.current) return `parse error: No category context for line ${lineno} of ${path}`;
  let eq = line.indexOf('=');
  if (eq < 0) {
    state.warnings.push(`No '=' (equal sign) in line ${lineno} of ${path}`);
    return null;
  }
  let key = line.slice(0, eq);
  let value = line.slice(eq + 1);
  if (value[0] === '>') value = value.slice(1); // `=>` is accepted as `=`
  const append = key.endsWith('+');
  if (append) key = key.slice(0, -1);
  key = strip(key);
  value = strip(value);
  const vars = state.current.vars;
  if (append) {
    for (let i = vars.length - 1; i >= 0; i--) {
      if (vars[i].name === key) {
        vars[i].value += value;
        return null;
      }
    }
  }
  vars.push({ name: key, value, line: lineno });
  return null;
}

function processCategory(line, lineno, path, state) {
  const close = line.indexOf(']');
  if (close < 0) return `parse error: no closing ']', line ${lineno} of ${path}`;
  const name = cutBytes(line.slice(1, close), MAX_CATEGORY_BYTES);
  const cat = { name, isTemplate: false, templates: [], vars: [], line: lineno };
  let rest = line.slice(close + 1);
  if (rest[0] === '(') {
    const end = rest.indexOf(')');
    if (end < 0) return `parse error: no closing ')' for category ${name}, line ${lineno} of ${path}`;
    const options = rest.slice(1, end).split(',');
    let addTo = null;
    for (const opt of options) {
      if (opt === '!') {
        cat.isTemplate = true;
      } else if (opt === '+') {
        addTo = findCategory(state, name);
        if (!addTo) return `Category addition requested, but category '${name}' does not exist, line ${lineno} of ${path}`;
      } else {
        const base = findCategory(state, opt);
        if (!base) return `Inheritance requested, but category '${opt}' does not exist, line ${lineno} of ${path}`;
        cat.templates.push(base.name);
        for (const v of base.vars) cat.vars.push({ ...v });
      }
    }
    if (addTo) {
      state.current = addTo;
      return null;
    }
  }
  state.categories.push(cat);
  state.current = cat;
  return null;
}

function processDirective(line, lineno, path, state, opts) {
  const m = /^#\s*(\S+)\s*(.*)$/.exec(line);
  const name = (m?.[1] ?? '').toLowerCase();
  let arg = strip(m?.[2] ?? '');
  state.directives.push(line);
  if (name === 'exec') {
    // never run: asterisk.conf has execincludes off by default, and the line is only recorded
    state.warnings.push(`Cannot perform #exec unless execincludes option is enabled in asterisk.conf (options section)! line ${lineno}`);
    return null;
  }
  if (name !== 'include' && name !== 'tryinclude') {
    state.warnings.push(`Unknown directive '${line}' at line ${lineno} of ${path}`);
    return null;
  }
  if ((arg[0] === '"' && arg.endsWith('"')) || (arg[0] === '<' && arg.endsWith('>'))) arg = arg.slice(1, -1);
  if (!arg) return `Directive '#${name}' needs an argument (filename) at line ${lineno} of ${path}`;
  const file = isAbsolute(arg) ? arg : join(opts.configDir ?? dirname(path), arg);
  let data;
  try {
    data = readFileSync(file);
  } catch {
    if (name === 'tryinclude') return null;
    return `The file '${arg}' was listed as a #include but it does not exist.`;
  }
  if (state.includeDepth > 10) return `too many nested #include at line ${lineno} of ${path}`;
  // block comments do not carry into or out of an included file
  const depth = state.depth;
  state.depth = 0;
  state.includeDepth++;
  const error = parseBuffer(data, file, state, opts);
  state.includeDepth--;
  state.depth = depth;
  return error;
}
