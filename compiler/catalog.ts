// Stage 3: every raw wizard option against the Asterisk 22.10.1 catalog (schemas/pjsip-options-22.json):
// unknown names, deprecated ones, and values Asterisk rejects — or worse, silently reads as false.
import catalog from '../schemas/pjsip-options-22.json' with { type: 'json' };
import { badCodecs } from './codecs.js';
import { closest } from './diagnostics.js';
import { factOf, whatDrops, type OptionFact } from './option-facts.js';
import { checkDouble, checkUint, leadingZero } from './values-numbers.js';
import { GRAMMARS } from './values-grammars.js';
import type { ValueProblem } from './value-problem.js';

interface CodeValues {
  values?: string[];
  match?: string;
  list?: string;
  alsoInteger?: boolean;
  boolValues?: string;
}

export interface CatalogOption {
  type: string;
  enum?: string[];
  codeValues?: CodeValues;
  deprecated?: boolean;
  c?: { range?: [number, number] };
  list?: string;
}

interface CatalogObject { prefix: string | string[]; freeform?: boolean; options: Record<string, CatalogOption> }

const objects = catalog.objects as unknown as Record<string, CatalogObject>;
const prefixes = catalog.prefixes as Record<string, string>;
const deprecated = catalog.deprecatedOptions as Record<string, string[]>;
export const BOOL_TRUE: ReadonlySet<string> = new Set(catalog.boolValues.true);
export const BOOL_FALSE: ReadonlySet<string> = new Set(catalog.boolValues.false);

let allKeys: string[] | undefined;
/** Every option name a wizard section accepts, with its prefix (for "did you mean"). */
export function allOptionKeys(): string[] {
  if (!allKeys) {
    allKeys = Object.keys(objects.wizard!.options);
    for (const [prefix, kind] of Object.entries(prefixes)) {
      if (objects[kind]!.freeform) continue;
      for (const name of Object.keys(objects[kind]!.options)) allKeys.push(prefix + name);
    }
  }
  return allKeys;
}

export interface OptionInfo { kind: string; name: string; option: CatalogOption | null; deprecated: boolean }

/** Look up `endpoint/context`, `aor/max_contacts`, `accepts_auth` …; null when Asterisk 22 has no such option. */
export function lookupOption(key: string): OptionInfo | null {
  const slash = key.indexOf('/');
  if (slash === -1) {
    const option = objects.wizard!.options[key];
    return option ? { kind: 'wizard', name: key, option, deprecated: false } : null;
  }
  const kind = prefixes[key.slice(0, slash + 1)];
  if (!kind) return null;
  const name = key.slice(slash + 1);
  const object = objects[kind]!;
  const option = object.options[name];
  if (!option) return object.freeform ? { kind, name, option: null, deprecated: false } : null;
  return { kind, name, option, deprecated: Boolean(option.deprecated) || (deprecated[kind] ?? []).includes(name) };
}

export function isTrue(value: string): boolean {
  return BOOL_TRUE.has(value.toLowerCase());
}

export type { ValueProblem } from './value-problem.js';

/** Why Asterisk would reject, misread, truncate or ignore `value` for this option; null when it loads as written.
 *  The per-option facts (schemas/pjsip-options-22-facts.json) decide; the catalog type is the fallback. */
export function checkValue(key: string, info: OptionInfo, value: string): ValueProblem | null {
  if (!info.option) return null;
  const f: OptionFact = factOf(key) ?? { kind: info.option.type === 'uint' ? 'uint' : info.option.type === 'bool' ? 'bool' : 'string', source: 'catalog' };
  const drops = whatDrops(key);
  const bools = `${[...BOOL_TRUE].join('/')} or ${[...BOOL_FALSE].join('/')}`;
  const isBool = (v: string) => BOOL_TRUE.has(v.toLowerCase()) || BOOL_FALSE.has(v.toLowerCase());
  switch (f.kind) {
    case 'bool':
      return isBool(value) ? null
        : { code: 'BAD_BOOLEAN', message: `${key} = ${value}: Asterisk reads this as 'no' without a word`, hint: `write one of ${bools}` };
    case 'uint': {
      const p = checkUint(key, value, f, drops);
      if (p) return p;
      return leadingZero(value, f)
        ? { code: 'LEADING_ZERO', severity: 'warning', message: `${key} = ${value}: Asterisk reads a leading 0 as octal (here the same number)`, hint: `write ${Number.parseInt(value, 8)}` }
        : null;
    }
    case 'double':
      return checkDouble(key, value, drops);
    case 'codecs': {
      const items = value.split(/[,|]/);
      if (items.some((i) => i.trim() === '')) return { code: 'BAD_CODEC', message: `${key} = ${value}: an empty codec name; Asterisk drops ${drops}` };
      const bad = badCodecs(items.map((s) => s.trim()));
      return bad.length ? { code: 'BAD_CODEC', message: `${key}: unknown codec ${bad.map((b) => `'${b}'`).join(', ')}` } : null;
    }
    case 'enum':
    case 'tos':
      return checkEnum(key, value, f, drops, isBool);
    case 'string':
      return checkString(key, value, f);
    case 'noop':
    case 'ignored':
    case 'host-file':
    case 'host-reference':
      return null; // reported by checkOptions (IGNORED_OPTION, HOST_REFERENCE)
    default: {
      const grammar = GRAMMARS[f.kind];
      return grammar ? grammar(key, value, f, drops) : null;
    }
  }
}

function checkEnum(key: string, value: string, f: OptionFact, drops: string, isBool: (v: string) => boolean): ValueProblem | null {
  const allowed = f.values ?? [];
  const norm = (v: string) => (f.caseSensitive ? v : v.toLowerCase());
  const set = new Set(allowed.map(norm));
  if (f.kind === 'tos' && /^(0|[1-9][0-9]{0,2})$/.test(value)) {
    return Number(value) <= 255 ? null
      : { code: 'BAD_VALUE', message: `${key} = ${value}: Asterisk keeps only the low 8 bits (${Number(value) & 255})`, hint: 'write 0–255 or a DSCP name such as EF or AF41' };
  }
  const items = f.list ? value.split(',').map((s) => s.trim()) : [value];
  const wrong = items.filter((i) => !set.has(norm(i)) && !(f.bools && isBool(i)));
  if (wrong.length === 0 && !(f.list && items.some((i) => i === ''))) return null;
  const first = wrong[0] ?? '';
  const guess = closest(first, allowed);
  const effect = f.unknownIgnored ? 'Asterisk ignores it without a word and keeps its default'
    : f.kind === 'tos' ? `Asterisk reads numbers as C does (octal, hex) and drops ${drops} for anything else`
      : `Asterisk drops ${drops}`;
  const caseHint = f.caseSensitive && set.has(first.toLowerCase()) ? `write it in lower case: '${first.toLowerCase()}'` : undefined;
  return { code: 'BAD_VALUE', message: `${key} = ${value}: ${effect}; it accepts ${allowed.join(', ')}${f.kind === 'tos' ? ' or 0–255 in decimal' : ''}${f.caseSensitive ? ' (case matters)' : ''}`,
    ...(caseHint ? { hint: caseHint } : guess ? { hint: `did you mean '${guess}'?` } : {}) };
}

function checkString(key: string, value: string, f: OptionFact): ValueProblem | null {
  if (f.maxLength !== undefined && value.length > f.maxLength) {
    return { code: 'VALUE_TRUNCATED', message: `${key}: Asterisk cuts this value to ${f.maxLength} characters (it has ${value.length})`, hint: `use at most ${f.maxLength} characters` };
  }
  if (f.noSpaces && /\s/.test(value)) {
    return { code: 'BAD_VALUE', message: `${key} = ${value}: a value with spaces is replaced by Asterisk's default`, hint: 'leave out the spaces' };
  }
  return null;
}
