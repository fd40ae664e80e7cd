// A hand-made pjsip_wizard.conf → site.yaml + one YAML file per extension, passwords moved to a
// secrets map. Pure. The result is checked twice: compiled (the catalog flags unknown options, which are
// kept), and compiled back to a wizard file whose effective options per extension must equal the
// original's (a round trip), so an import never silently changes what Asterisk loads.
import { Document, stringify } from 'yaml';
import { isTrue } from './catalog.js';
import type { CodeOf, SeverityOf } from './codes.js';
import { compile, SITE_FILE } from './compile.js';
import { compareEffective, effectiveOptions, findSection, parseConf, type ConfFile } from './conf-parse.js';
import { compareNumbers } from './resolve.js';
import { DEFAULTS_SECTION } from './rules.js';
import { REDACTED, UNRESOLVED_SECRET, type Diagnostic, type SourceFile } from './types.js';

export interface ImportOptions {
  /** the wizard file's name, for diagnostics */
  file?: string;
  /** dev: keep passwords in the YAML (`auth: { password }`, profile dev) instead of a secrets map */
  keepPasswords?: boolean;
}

export interface ImportResult {
  /** false: nothing should be written (the file cannot be read, or a section cannot be represented) */
  ok: boolean;
  /** site.yaml first, then <number>.yaml in number order */
  files: SourceFile[];
  /** secret name → password, for the host's secrets file */
  secrets: Record<string, string>;
  /** problems of the wizard file (file = its name) and of the imported result (file = site.yaml, 6001.yaml …) */
  diagnostics: Diagnostic[];
  /** guesses and ignored options, one sentence each, for the user to review */
  notes: string[];
  /** per extension, the options the effective comparison ignores (the wizard overrides them) */
  ignored: Record<string, string[]>;
}

interface Found {
  number: string;
  line: number;
  group: string;
  name: string;
  password?: string;
  /** everything else that reaches the extension, with `transport` and `codecs` as pseudo keys */
  options: Map<string, string>;
  /** what its templates alone give (same keys), for a template with one member */
  inherited: Map<string, string>;
}

const SCHEMA_LINE = '# yaml-language-server: $schema=../schemas/extension.schema.json';
const SITE_SCHEMA_LINE = '# yaml-language-server: $schema=../schemas/site.schema.json';

export function importWizard(text: string, opts: ImportOptions = {}): ImportResult {
  const file = opts.file ?? 'pjsip_wizard.conf';
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  const ignored: Record<string, string[]> = {};
  const report: Reporter = (code, severity, line, message, hint) =>
    diagnostics.push({ code, severity, file, line, col: line ? 1 : 0, endLine: line, endCol: line ? 1 : 0, message, ...(hint ? { hint } : {}) });
  const fail = (): ImportResult => ({ ok: false, files: [], secrets: {}, diagnostics, notes, ignored });

  const conf = parseConf(text);
  for (const p of conf.problems) report(p.code, p.severity, p.line, p.message);
  if (!conf.ok) return fail();

  const found: Found[] = [];
  const seen = new Set<string>();
  const leftOut = new Map<string, string[]>();
  for (const s of conf.sections) {
    if (s.isTemplate || seen.has(s.name.toLowerCase())) continue;
    seen.add(s.name.toLowerCase());
    const eff = effectiveOptions(s.variables);
    if (eff.get('type')?.toLowerCase() !== 'wizard') {
      report('IMPORT_NOT_WIZARD', 'warning', s.line, `[${s.name}] has no type = wizard: the wizard ignores it, and so does the import`);
      continue;
    }
    if (!/^[0-9]{1,20}$/.test(s.name)) {
      report('IMPORT_SECTION_NAME', 'error', s.line, `[${s.name}] is not an extension number`, 'extensions are named by their number; rename the section');
      continue;
    }
    const skip = (key: string, why: string) => {
      eff.delete(key);
      (ignored[s.name] ??= []).push(key);
      const note = `${key} left out (${why})`;
      leftOut.set(note, [...(leftOut.get(note) ?? []), s.name]);
    };
    eff.delete('type');
    // options the wizard sets itself: what is written for them never takes effect
    if (eff.has('endpoint/aors')) skip('endpoint/aors', 'the wizard sets it to the section name');
    if (isTrue(eff.get('accepts_auth') ?? 'no') && eff.has('endpoint/auth')) skip('endpoint/auth', 'with accepts_auth = yes the wizard sets it to <number>-iauth');
    if (isTrue(eff.get('sends_auth') ?? 'no') && eff.has('endpoint/outbound_auth')) skip('endpoint/outbound_auth', 'with sends_auth = yes the wizard sets it');
    if (eff.has('transport') && eff.has('endpoint/transport')) skip('endpoint/transport', 'the wizard\'s transport sets it');

    const callerid = eff.get('endpoint/callerid');
    eff.delete('endpoint/callerid');
    const m = callerid === undefined ? null : /^\s*(?:"([^"]*)"|([^"<]*?))\s*<([^>]*)>\s*$/.exec(callerid);
    let name = (m?.[1] ?? m?.[2] ?? '').trim();
    if (!m || m[3] !== s.name || !name) {
      name ||= callerid?.replace(/[<>"\\]/g, '').trim() || s.name;
      (ignored[s.name] ??= []).push('endpoint/callerid');
      notes.push(`${s.name}: callerid ${callerid === undefined ? 'not set' : 'not of the form "Name" <' + s.name + '>'}; named '${name}' (written as "${name}" <${s.name}>)`);
    }
    if (/["<>\\]/.test(name) || name.length > 80) {
      report('IMPORT_NAME', 'error', s.line, `[${s.name}]'s callerid name cannot be kept (" < > \\ or over 80 characters)`);
      continue;
    }
    const username = eff.get('inbound_auth/username');
    eff.delete('inbound_auth/username');
    if (username !== undefined && username !== s.name) {
      (ignored[s.name] ??= []).push('inbound_auth/username');
      report('IMPORT_USERNAME', 'warning', s.line, `[${s.name}] authenticates as '${username}'; the import uses the extension number`, 'phones must register with the number as user name');
    }
    // a file compiled without the host's keys, or redacted, carries no real password: never store one
    const written = eff.get('inbound_auth/password');
    const password = written === UNRESOLVED_SECRET || written === REDACTED ? undefined : written;
    if (written !== password) {
      report('IMPORT_NO_PASSWORD', 'warning', s.line, `[${s.name}] has a placeholder, not a password`, `the host generates one for secret "${s.name}"`);
    }
    eff.delete('inbound_auth/password');
    const allow = eff.get('endpoint/allow');
    eff.delete('endpoint/allow');
    if (allow !== undefined) {
      if (allow === '') report('IMPORT_NO_CODECS', 'error', s.line, `[${s.name}] ends with no codec allowed`, 'allow at least one codec');
      else eff.set('codecs', allow.toLowerCase());
    }
    const inherited = effectiveOptions(s.templates.flatMap((t) => findSection(conf, t)?.variables ?? []));
    const codecs = inherited.get('endpoint/allow');
    if (codecs !== undefined) inherited.set('codecs', codecs.toLowerCase());
    found.push({ number: s.name, line: s.line, group: s.templates.join(','), name, ...(password !== undefined ? { password } : {}),
      options: eff, inherited });
  }
  for (const [note, numbers] of leftOut) notes.push(`${numbers.join(', ')}: ${note}`);
  if (diagnostics.some((d) => d.severity === 'error')) return fail();
  if (found.length === 0) {
    report('IMPORT_EMPTY', 'error', 0, 'no wizard section (type = wizard) to import');
    return fail();
  }

  const plan = designSite(found, notes);
  const secrets: Record<string, string> = {};
  const files: SourceFile[] = [{ path: SITE_FILE, text: siteText(plan, opts.keepPasswords ? 'dev' : 'production') }];
  for (const f of found.sort((a, b) => compareNumbers(a.number, b.number))) {
    if (f.password === undefined) {
      notes.push(`${f.number}: no inbound_auth/password; the host generates one for secret "${f.number}"`);
      (ignored[f.number] ??= []).push('inbound_auth/password');
    }
    else if (!opts.keepPasswords) secrets[f.number] = f.password;
    files.push({ path: `${f.number}.yaml`, text: extensionText(f, plan, opts.keepPasswords === true) });
  }

  checkResult(conf, files, secrets, ignored, opts.keepPasswords === true, report, diagnostics);
  return { ok: true, files, secrets, diagnostics, notes, ignored };
}

interface SitePlan {
  defaults: Map<string, string>;
  templates: Map<string, Map<string, string>>;
  templateOf: Map<string, string>;
  transports: Map<string, string>;
  ranges: { from: string; to: string; template: string }[];
}

function intersect(sets: readonly Map<string, string>[]): Map<string, string> {
  const out = new Map(sets[0]);
  for (const s of sets.slice(1)) for (const [k, v] of out) if (s.get(k) !== v) out.delete(k);
  return out;
}

/** Groups extensions by the templates they inherit (and transport), shared options into templates and defaults. */
function designSite(found: Found[], notes: string[]): SitePlan {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const key = `${f.group}|${f.options.get('transport') ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const sets = new Map<string, Map<string, string>>();
  const templateOf = new Map<string, string>();
  const taken = new Set([DEFAULTS_SECTION, ...found.map((f) => f.number)]);
  for (const [key, members] of groups) {
    const [chain, transport] = key.split('|') as [string, string];
    // named after the last template it inherits (the most specific), unless another chain ends the same
    const last = (c: string) => c.split(',').pop() || 'custom';
    const chains = new Set([...groups.keys()].map((k) => k.split('|')[0]!));
    const base = [...chains].filter((c) => last(c) === last(chain)).length > 1 ? chain.split(',').join('_') : last(chain);
    let name = /^[0-9A-Za-z_-]{1,79}$/.test(base) ? base : base.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 70) || 'custom';
    if ([...groups.keys()].filter((k) => k.startsWith(`${chain}|`)).length > 1 && transport) name = `${name}_${transport.replace(/[^0-9A-Za-z_-]/g, '_')}`.slice(0, 79);
    if (/^[0-9]+$/.test(name)) name = `from-${name}`;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
    taken.add(name.toLowerCase());
    // what all members share; a lone member shares only what its templates gave it
    sets.set(name, intersect(members.length > 1 ? members.map((m) => m.options) : [members[0]!.options, members[0]!.inherited]));
    for (const m of members) templateOf.set(m.number, name);
  }
  // defaults: what every template agrees on (only worth it with two or more templates)
  const defaults = sets.size > 1 ? intersect([...sets.values()]) : new Map<string, string>();
  const templates = new Map<string, Map<string, string>>();
  for (const [name, set] of sets) {
    templates.set(name, new Map([...set].filter(([k, v]) => defaults.get(k) !== v)));
  }
  const transports = new Map<string, string>();
  for (const [name, set] of sets) {
    const t = set.get('transport');
    if (!t) continue;
    const webrtc = isTrue(set.get('endpoint/webrtc') ?? 'no');
    const guess = /wss/i.test(t) ? 'wss' : /ws|websocket/i.test(t) ? 'ws' : /tls/i.test(t) ? 'tls' : /tcp/i.test(t) ? 'tcp' : 'udp';
    const protocol = webrtc && !guess.startsWith('ws') ? (/tls|secure/i.test(t) ? 'wss' : 'ws') : guess;
    if (!transports.has(t)) notes.push(`transport ${t}: protocol ${protocol} guessed from its name${webrtc ? ' and template ' + name : ''}; check it against pjsip.conf`);
    transports.set(t, transports.get(t) ?? protocol);
  }
  // ranges: runs of numbers (in order) that share a template
  const ranges: SitePlan['ranges'] = [];
  for (const f of [...found].sort((a, b) => compareNumbers(a.number, b.number))) {
    const t = templateOf.get(f.number)!;
    const last = ranges[ranges.length - 1];
    if (last && last.template === t) last.to = f.number;
    else ranges.push({ from: f.number, to: f.number, template: t });
  }
  return { defaults, templates, templateOf, transports, ranges };
}

/** An option set as site.yaml writes it: transport, codecs, then options in key order. */
function optionSet(set: Map<string, string>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  const t = set.get('transport');
  if (t) out.transport = t;
  const c = set.get('codecs');
  if (c) out.codecs = c.split(',');
  const options = [...set].filter(([k]) => k !== 'transport' && k !== 'codecs').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // whole numbers as YAML numbers: the compiler reads an option's text as written, so 5 stays `5`
  if (options.length) out.options = Object.fromEntries(options.map(([k, v]) => [k, /^(0|[1-9][0-9]{0,14})$/.test(v) ? Number(v) : v]));
  return Object.keys(out).length ? out : null;
}

function siteText(plan: SitePlan, profile: 'dev' | 'production'): string {
  const body: Record<string, unknown> = { profile };
  if (plan.transports.size) body.transports = Object.fromEntries([...plan.transports].map(([n, p]) => [n, { protocol: p }]));
  const defaults = optionSet(plan.defaults);
  if (defaults) body.defaults = defaults;
  body.templates = Object.fromEntries([...plan.templates].map(([n, s]) => [n, optionSet(s) ?? { description: 'no options of its own' }]));
  body.ranges = plan.ranges.map((r) => ({ from: Number(r.from), to: Number(r.to), templates: [r.template] }));
  const doc = new Document(body);
  const flow = (path: string[]) => {
    const node = doc.getIn(path, true) as { items?: { flow?: boolean; value?: { flow?: boolean } }[] } | undefined;
    for (const item of node?.items ?? []) {
      if (item.value) item.value.flow = true;
      else item.flow = true;
    }
  };
  flow(['ranges']);
  flow(['transports']);
  for (const path of [['defaults'], ...[...plan.templates.keys()].map((n) => ['templates', n])]) {
    const codecs = doc.getIn([...path, 'codecs'], true) as { flow?: boolean } | undefined;
    if (codecs) codecs.flow = true;
  }
  return `${SITE_SCHEMA_LINE}\n# Imported from a hand-made pjsip_wizard.conf: review the templates, ranges and transport protocols.\n` +
    doc.toString({ lineWidth: 0 });
}

// whole numbers stay plain: the compiler reads an option's text as written
const scalar = (v: string) => (/^(0|[1-9][0-9]*)$/.test(v) ? v : stringify(v, { lineWidth: 0 }).trimEnd());

function extensionText(f: Found, plan: SitePlan, keepPasswords: boolean): string {
  const template = plan.templates.get(plan.templateOf.get(f.number)!)!;
  const inherited = new Map([...plan.defaults, ...template]);
  const lines = [SCHEMA_LINE, `extension: ${/^[1-9][0-9]*$/.test(f.number) ? f.number : JSON.stringify(f.number)}`, `name: ${stringify(f.name, { lineWidth: 0 }).trimEnd()}`];
  lines.push(keepPasswords && f.password !== undefined ? `auth: { password: ${JSON.stringify(f.password)} }   # dev profile only`
    : `auth: { secret: ${JSON.stringify(f.number)} }`);
  const codecs = f.options.get('codecs');
  if (codecs && inherited.get('codecs') !== codecs) lines.push(`codecs: [${codecs.split(',').join(', ')}]`);
  const own = [...f.options].filter(([k, v]) => k !== 'codecs' && k !== 'transport' && inherited.get(k) !== v)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (own.length) lines.push('options:', ...own.map(([k, v]) => `  ${scalar(k)}: ${scalar(v)}`));
  return lines.join('\n') + '\n';
}

type Reporter = <C extends CodeOf<'conf' | 'import'>>(code: C, severity: SeverityOf<C>, line: number, message: string, hint?: string) => void;

/** Compiles the result (flags kept unknown options) and compiles it back to compare with the original. */
function checkResult(original: ConfFile, files: SourceFile[], secrets: Record<string, string>, ignored: Record<string, string[]>,
  keepPasswords: boolean, report: Reporter, diagnostics: Diagnostic[]): void {
  const checked = compile(files, { sourceLabel: 'import/' });
  // the original's ws transport for browsers: production refuses it, yet it is what the file does today
  const wsToFix = (d: Diagnostic) => d.code === 'WEBRTC_NOT_WSS';
  diagnostics.push(...checked.diagnostics.filter((d) => d.code !== 'PLAINTEXT_PASSWORD' || !keepPasswords)
    .map((d) => (wsToFix(d) ? { ...d, severity: 'warning' as const, message: `${d.message} (production refuses it until the template uses wss)` } : d)));
  if (checked.diagnostics.some((d) => d.severity === 'error' && !wsToFix(d))) {
    report('IMPORT_NOT_VERIFIED', 'warning', 0, 'the imported files do not compile yet, so the round trip was not checked', 'fix the errors listed, then run pjsip-gitops validate');
    return;
  }
  const resolver = (auth: { kind: string; name?: string }) => (auth.kind === 'secret' ? secrets[auth.name ?? ''] : undefined);
  if (!keepPasswords) {
    // what the production profile will say on the host, where the secrets resolve
    const onHost = compile(files, { secrets: resolver });
    for (const d of onHost.diagnostics) {
      if (['DEFAULT_PASSWORD', 'WEAK_PASSWORD', 'PASSWORD_CONTAINS_NUMBER', 'PASSWORD_REUSED'].includes(d.code)) {
        diagnostics.push({ ...d, severity: 'warning', message: `${d.message} (the host will refuse it until the secret is changed)` });
      }
    }
  }
  // the round trip runs in dev, where any password compiles
  const dev = files.map((f) => (f.path === SITE_FILE ? { ...f, text: f.text.replace(/^profile: production$/m, 'profile: dev') } : f));
  const back = compile(dev, { secrets: resolver });
  if (!back.ok) {
    report('IMPORT_NOT_VERIFIED', 'warning', 0, 'the round trip could not compile the imported files');
    return;
  }
  for (const m of compareEffective(original, parseConf(back.conf), ignored)) report('IMPORT_MISMATCH', 'error', 0, m);
}
