// The compiler: YAML texts in → pjsip_wizard.conf text and diagnostics out. Pure: no file system, git,
// clock or environment. Stages report and carry on, so one run shows every problem; nothing is
// emitted when any error exists (the result type makes writing a failed compile impossible).
import { badCodecs } from './codecs.js';
import { checkOptions } from './check-options.js';
import { finding, sortDiagnostics, toDiagnostics, type Finding, type Report } from './diagnostics.js';
import { checkSections, emit } from './emit.js';
import { readExtension, readOptions, readSite, type ExtensionInput, type OptionSetInput, type SiteInput, type TemplateInput } from './input.js';
import { checkPasswords } from './passwords.js';
import { isSecretOption } from './secrets-policy.js';
import { planSections } from './resolve.js';
import { RULES, type RuleContext } from './rules.js';
import { validators } from './schemas.js';
import { UNRESOLVED_SECRET, type CompileOptions, type CompileResult, type SourceFile } from './types.js';
import { parseYamlSource, schemaFindings, type ParsedYaml } from './yaml-source.js';

export const SITE_FILE = 'site.yaml';

const isYaml = (path: string) => /\.ya?ml$/.test(path);

export function compile(sources: readonly SourceFile[], options: CompileOptions = {}): CompileResult {
  const findings: Finding[] = [];
  const report: Report = (f) => findings.push(f);
  const texts = new Map(sources.map((s) => [s.path, s.text]));

  // 1–2: parse with positions, then JSON Schema; a file that fails either is left out of later stages
  const { site, extensions } = readAll(sources.filter((s) => isYaml(s.path)), report);
  if (!site) {
    if (!sources.some((s) => s.path === SITE_FILE)) {
      report({ code: 'MISSING_SITE', severity: 'error', file: SITE_FILE, start: -1, end: -1,
        message: `${SITE_FILE} is missing from the extensions folder`, hint: 'it holds the profile, templates and number ranges' });
    }
    return failed(findings, texts);
  }

  // 3: every raw option and codec against the Asterisk 22 catalog
  for (const set of [site.defaults, ...site.templates, ...extensions]) {
    checkOptions(set.options, report);
    checkCodecs(set.codecs, report);
  }

  // 4: rules across files
  const ctx: RuleContext = {
    site, extensions, report,
    templates: new Map(site.templates.map((t) => [t.name, t])),
    templateOf: new Map(),
  };
  for (const rule of RULES) rule(ctx);

  // passwords: resolved by the caller's resolver (the PBX host), else a placeholder never deployed
  const passwords = new Map<ExtensionInput, string>();
  for (const ext of extensions) {
    passwords.set(ext, ext.auth.kind === 'password' ? ext.auth.value
      : options.secrets?.(ext.auth, ext.number) ?? UNRESOLVED_SECRET);
  }
  checkPasswords(site, passwords, report);
  checkCredentialOptions(site, extensions, report);
  checkCallerIdNames(extensions, report);

  // 5: resolve to sections; 6: check what would reach the file, then emit
  const placed = extensions.filter((e) => ctx.templateOf.has(e))
    .map((ext) => ({ ext, template: ctx.templateOf.get(ext) as TemplateInput, password: passwords.get(ext)! }));
  const { sections, models } = planSections(site, placed);
  checkSections(sections, report);

  if (findings.some((f) => f.severity === 'error')) return failed(findings, texts);
  const out = emit(sections, {
    label: options.sourceLabel ?? 'extensions/', profile: site.profile,
    templates: site.templates.length, extensions: models.length,
  });
  const transports: Record<string, { protocol: string }> = {};
  const preferredCodecs: Record<string, string> = {};
  for (const t of site.templates) {
    const transport = t.transport ?? site.defaults.transport;
    if (transport) transports[transport.name] = { protocol: site.transports.get(transport.name)!.protocol };
    const first = (t.codecs ?? site.defaults.codecs)?.list[0];
    if (first) preferredCodecs[t.name] = first.split(':')[0]!;
  }
  return {
    ok: true,
    conf: out.conf,
    redacted: out.redacted,
    hash: out.hash,
    deployable: ![...passwords.values()].includes(UNRESOLVED_SECRET),
    model: {
      profile: site.profile,
      guards: site.guards,
      extensions: models,
      sections: sections.map((s) => ({ name: s.name, isTemplate: s.isTemplate, templates: s.templates,
        options: s.options.map((o) => ({ key: o.key, value: o.value, ...(o.secret ? { secret: true } : {}) })) })),
      transports,
      preferredCodecs,
    },
    diagnostics: sortDiagnostics(toDiagnostics(findings, texts)),
  };
}

function readAll(sources: readonly SourceFile[], report: Report): { site?: SiteInput; extensions: ExtensionInput[] } {
  const v = validators();
  let site: SiteInput | undefined;
  const extensions: ExtensionInput[] = [];
  for (const source of sources) {
    const parsed: ParsedYaml = parseYamlSource(source);
    parsed.findings.forEach(report);
    if (parsed.findings.length) continue;
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      report(finding('NOT_A_MAPPING', 'error', { file: source.path, start: 0, end: Math.min(source.text.length, 1) },
        `${source.path} must be a YAML mapping (key: value lines)`));
      continue;
    }
    const isSite = source.path === SITE_FILE;
    const validate = isSite ? v.site : v.extension;
    if (!validate(parsed.value)) {
      schemaFindings(parsed, validate.errors ?? []).forEach(report);
      // still check the raw options, so one run shows every problem of the file
      const opts = (parsed.value as Record<string, unknown>).options;
      if (!isSite && isScalarMap(opts)) checkOptions(readOptions(parsed, ['options'], opts), report);
      continue;
    }
    if (isSite) site = readSite(parsed);
    else extensions.push(readExtension(parsed));
  }
  return site ? { site, extensions } : { extensions };
}

function isScalarMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) &&
    Object.values(v).every((x) => ['string', 'number', 'boolean'].includes(typeof x));
}

function checkCodecs(codecs: OptionSetInput['codecs'], report: Report): void {
  if (!codecs) return;
  for (const bad of badCodecs(codecs.list)) {
    const i = codecs.list.indexOf(bad);
    report(finding('BAD_CODEC', 'error', codecs.itemAt[i] ?? codecs.at, `'${bad}' is not a codec Asterisk 22 knows`,
      'common ones: opus, g722, ulaw, alaw, gsm, g729'));
  }
}

/** outbound_auth/password and the like, written under options:, are plaintext credentials in Git. */
function checkCredentialOptions(site: SiteInput, extensions: readonly ExtensionInput[], report: Report): void {
  const production = site.profile === 'production';
  for (const set of [site.defaults, ...site.templates, ...extensions]) {
    for (const o of set.options) {
      if (!isSecretOption(o.key)) continue;
      report(finding('PLAINTEXT_PASSWORD', production ? 'error' : 'warning', o.valueAt,
        `${o.key} is a plaintext credential in Git${production ? '; the production profile refuses it' : ' (dev profile only)'}`,
        "keep credentials out of Git; an extension's own password belongs in auth: { secret } or { encrypted }"));
    }
  }
}

function checkCallerIdNames(extensions: readonly ExtensionInput[], report: Report): void {
  for (const ext of extensions) {
    // `<` and `>` inside the quotes load exactly; `"` ends the quoted name and `\` is removed by Asterisk
    if (/["\\]/.test(ext.name)) {
      report(finding('BAD_CALLERID_NAME', 'error', ext.nameAt, `name of extension ${ext.number} contains " or \\`,
        'these break the callerid form "name" <number> (Asterisk removes \\); leave them out'));
    } else if (ext.name.length > 79) {
      // main/callerid.c:ast_callerid_split into an 80-byte buffer (pjsip_configuration.c:caller_id_handler)
      report(finding('VALUE_TRUNCATED', 'error', ext.nameAt, `name of extension ${ext.number} has ${ext.name.length} characters: Asterisk cuts a display name to 79`,
        'use at most 79 characters'));
    }
  }
}

function failed(findings: Finding[], texts: ReadonlyMap<string, string>): CompileResult {
  return { ok: false, diagnostics: sortDiagnostics(toDiagnostics(findings, texts)) };
}
