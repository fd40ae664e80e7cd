// Stage 3: every raw wizard option against the Asterisk 22.10.1 catalog (schemas/pjsip-options-22.json):
// unknown names, deprecated ones, and values Asterisk rejects — or worse, silently reads as false.
import catalog from '../schemas/pjsip-options-22.json' with { type: 'json' };
import { badCodecs } from './codecs.js';
import { closest } from './diagnostics.js';
import type { Code } from './diagnostics.js';

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

export interface ValueProblem { code: Code; message: string; hint?: string }

const UINT_MAX = 4294967295;

/** Why Asterisk would reject (or silently misread) `value` for this option; null when it is fine. */
export function checkValue(key: string, info: OptionInfo, value: string): ValueProblem | null {
  const o = info.option;
  if (!o) return null;
  const bools = `${[...BOOL_TRUE].join('/')} or ${[...BOOL_FALSE].join('/')}`;
  if (o.type === 'bool') {
    if (BOOL_TRUE.has(value.toLowerCase()) || BOOL_FALSE.has(value.toLowerCase())) return null;
    return { code: 'BAD_BOOLEAN', message: `${key} = ${value}: Asterisk reads this as 'no' without a word`,
      hint: `write one of ${bools}` };
  }
  if (o.type === 'uint' || o.type === 'int') {
    const ok = o.type === 'uint' ? /^[0-9]+$/.test(value) : /^-?[0-9]+$/.test(value);
    const n = Number(value);
    const [lo, hi] = o.c?.range ?? (o.type === 'uint' ? [0, UINT_MAX] : [-2147483648, 2147483647]);
    if (ok && n >= lo && n <= hi) return null;
    return { code: 'BAD_NUMBER', message: `${key} = ${value}: must be ${o.type === 'uint' ? 'a whole number' : 'an integer'} from ${lo} to ${hi}` };
  }
  if (o.type === 'double') {
    return /^-?[0-9]+(\.[0-9]+)?$/.test(value) ? null
      : { code: 'BAD_NUMBER', message: `${key} = ${value}: must be a number` };
  }
  if (o.type === 'codec-list') {
    const bad = badCodecs(value.split(/[,|]/).map((s) => s.trim()));
    return bad.length ? { code: 'BAD_CODEC', message: `${key}: unknown codec ${bad.map((b) => `'${b}'`).join(', ')}` } : null;
  }
  const cv = o.codeValues;
  const allowed = cv?.values ?? o.enum;
  if (!allowed && cv?.boolValues) {
    // handlers that read the value with ast_true: anything unknown becomes 'no'
    if (BOOL_TRUE.has(value.toLowerCase()) || BOOL_FALSE.has(value.toLowerCase())) return null;
    return { code: 'BAD_BOOLEAN', message: `${key} = ${value}: Asterisk reads this as 'no' without a word`, hint: `write one of ${bools}` };
  }
  if (!allowed) return null;
  const caseless = cv?.match !== 'case-sensitive';
  const set = new Set(allowed.map((a) => (caseless ? a.toLowerCase() : a)));
  const items = cv?.list || o.list || (!cv && o.enum) ? value.split(',').map((s) => s.trim()) : [value];
  const bad = items.filter((item) => {
    const v = caseless ? item.toLowerCase() : item;
    if (set.has(v)) return false;
    if (cv?.alsoInteger && /^[0-9]+$/.test(item)) return false;
    if (cv?.boolValues && (BOOL_TRUE.has(item.toLowerCase()) || BOOL_FALSE.has(item.toLowerCase()))) return false;
    return true;
  });
  if (bad.length === 0) return null;
  const guess = closest(bad[0]!, allowed);
  return { code: 'BAD_VALUE', message: `${key} = ${value}: Asterisk accepts ${allowed.join(', ')}`,
    ...(guess ? { hint: `did you mean '${guess}'?` } : {}) };
}
