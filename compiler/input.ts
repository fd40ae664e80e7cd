// Schema-valid YAML values → typed inputs that remember where each value was written, so every
// later stage can point at the exact line.
import { isAlias, isScalar } from 'yaml';
import { finding, type Finding } from './diagnostics.js';
import type { ParsedYaml, PathSegment } from './yaml-source.js';
import { nodeAt, rangeAt, scalarSource } from './yaml-source.js';
import type { AuthSource } from './types.js';
import type { GuardSettings } from './plan/guards.js';

export interface Loc { file: string; start: number; end: number }

export interface OptionInput {
  key: string;
  value: string;
  keyAt: Loc;
  valueAt: Loc;
}

export interface OptionSetInput {
  at: Loc;
  transport?: { name: string; at: Loc };
  codecs?: { list: string[]; at: Loc; itemAt: Loc[] };
  options: OptionInput[];
}

export interface TemplateInput extends OptionSetInput { name: string; nameAt: Loc }

export interface RangeInput {
  from: number;
  to: number; // Infinity for an open range
  templates: { name: string; at: Loc }[];
  at: Loc;
}

export interface SiteInput {
  file: string;
  profile: 'dev' | 'production';
  profileAt: Loc;
  transports: Map<string, { protocol: string; at: Loc }>;
  ageRecipients: string[];
  minPasswordLength: number;
  /** `guards:` as written (compiler/plan/guards.ts fills the defaults) */
  guards: GuardSettings;
  defaults: OptionSetInput;
  templates: TemplateInput[];
  ranges: RangeInput[];
}

export interface ExtensionInput {
  file: string;
  number: string;
  numberAt: Loc;
  /** set when the number is not written as plain digits: the extension is then placed nowhere */
  numberProblem?: Finding;
  name: string;
  nameAt: Loc;
  template?: { name: string; at: Loc };
  auth: AuthSource;
  authAt: Loc;
  codecs?: { list: string[]; at: Loc; itemAt: Loc[] };
  options: OptionInput[];
}

type Obj = Record<string, unknown>;

function loc(p: ParsedYaml, path: PathSegment[], key = false): Loc {
  return { file: p.file, ...rangeAt(p.doc, path, key) };
}

function readOptionSet(p: ParsedYaml, base: PathSegment[], value: Obj | null | undefined): OptionSetInput {
  const set: OptionSetInput = { at: loc(p, base, true), options: [] };
  if (!value) return set;
  if (typeof value.transport === 'string') set.transport = { name: value.transport, at: loc(p, [...base, 'transport']) };
  if (Array.isArray(value.codecs)) set.codecs = readCodecs(p, [...base, 'codecs'], value.codecs as string[]);
  set.options = readOptions(p, [...base, 'options'], value.options as Obj | undefined);
  return set;
}

function readCodecs(p: ParsedYaml, path: PathSegment[], list: string[]) {
  return { list, at: loc(p, path), itemAt: list.map((_, i) => loc(p, [...path, i])) };
}

export function readOptions(p: ParsedYaml, path: PathSegment[], options: Obj | undefined): OptionInput[] {
  if (!options) return [];
  return Object.keys(options).map((key) => ({
    key,
    // the text as written: `0100` stays `0100`, `true` becomes `yes`
    value: scalarSource(p.doc, [...path, key]) ?? String(options[key]),
    keyAt: loc(p, [...path, key], true),
    valueAt: loc(p, [...path, key]),
  }));
}

export function readSite(p: ParsedYaml): SiteInput {
  const v = p.value as Obj;
  const transports = new Map<string, { protocol: string; at: Loc }>();
  for (const [name, t] of Object.entries((v.transports as Record<string, Obj> | undefined) ?? {})) {
    transports.set(name, { protocol: String(t.protocol), at: loc(p, ['transports', name], true) });
  }
  const templates = Object.entries((v.templates as Record<string, Obj | null>) ?? {}).map(([name, t]) => ({
    ...readOptionSet(p, ['templates', name], t),
    name,
    nameAt: loc(p, ['templates', name], true),
  }));
  const ranges = ((v.ranges as Obj[]) ?? []).map((r, i) => ({
    from: r.from as number,
    to: typeof r.to === 'number' ? r.to : Infinity,
    templates: (r.templates as string[]).map((name, j) => ({ name, at: loc(p, ['ranges', i, 'templates', j]) })),
    at: loc(p, ['ranges', i]),
  }));
  return {
    file: p.file,
    profile: v.profile as 'dev' | 'production',
    profileAt: loc(p, ['profile']),
    transports,
    ageRecipients: (v.age_recipients as string[] | undefined) ?? [],
    minPasswordLength: ((v.password_policy as Obj | undefined)?.min_length as number | undefined) ?? 12,
    guards: { ...(v.guards as GuardSettings | undefined) },
    defaults: readOptionSet(p, ['defaults'], v.defaults as Obj | undefined),
    templates,
    ranges,
  };
}

export function readExtension(p: ParsedYaml): ExtensionInput {
  const v = p.value as Obj;
  const auth = v.auth as Obj;
  const kind = Object.keys(auth)[0] as 'password' | 'secret' | 'encrypted';
  const raw = scalarSource(p.doc, ['auth', kind]) ?? String(auth[kind]);
  const source: AuthSource = kind === 'password' ? { kind, value: raw }
    : kind === 'secret' ? { kind, name: raw } : { kind, armored: raw };
  const ext: ExtensionInput = {
    file: p.file,
    number: scalarSource(p.doc, ['extension']) ?? String(v.extension),
    numberAt: loc(p, ['extension']),
    name: v.name as string,
    nameAt: loc(p, ['name']),
    auth: source,
    authAt: loc(p, ['auth', kind]),
    options: readOptions(p, ['options'], v.options as Obj | undefined),
  };
  const problem = numberProblem(p, ext.numberAt);
  if (problem) ext.numberProblem = problem;
  if (typeof v.template === 'string') ext.template = { name: v.template, at: loc(p, ['template']) };
  if (Array.isArray(v.codecs)) ext.codecs = readCodecs(p, ['codecs'], v.codecs as string[]);
  return ext;
}

/** Most digits an extension number may have: the schema's pattern `^[0-9]{1,20}$`. */
const MAX_DIGITS = 20;
const PLAIN_NUMBER = new RegExp(`^(?:0|[1-9][0-9]{0,${MAX_DIGITS - 1}})$`);

/**
 * The section is named by the number's text, while the schema checked its YAML value: `6e3`, `0x1B5E`,
 * `0o15530`, `6001.0`, `+6001` and `06001` are all valid numbers to the schema but not that text.
 * A quoted string of digits (`"06001"`) is the number exactly as written and is checked by the schema.
 */
function numberProblem(p: ParsedYaml, at: Loc): Finding | undefined {
  let node = nodeAt(p.doc, ['extension']);
  if (isAlias(node)) node = node.resolve(p.doc) ?? null;
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  const text = typeof node.source === 'string' ? node.source : String(node.value);
  if (PLAIN_NUMBER.test(text)) return undefined;
  const plain = Number.isSafeInteger(node.value) && node.value >= 0 ? String(node.value) : undefined;
  let hint: string;
  if (/^[0-9]+$/.test(text) && text.length > MAX_DIGITS) hint = `an extension number has at most ${MAX_DIGITS} digits`;
  else if (/^0[0-9]+$/.test(text)) hint = `YAML tools disagree on a leading zero (${plain} or octal); write "${text}" in quotes to keep the zero, or ${plain}`;
  else hint = plain ? `YAML reads ${text} as ${plain}; write ${plain}` : 'write the number as plain decimal digits';
  return finding('SCHEMA_PATTERN', 'error', at, `extension ${text} is not written as plain decimal digits`, hint);
}
