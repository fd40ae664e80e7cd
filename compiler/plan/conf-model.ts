// A pjsip_wizard.conf read back into the model plans compare (compareModels), so that the live file
// on a PBX — written by us, or edited by hand — can be set beside what a commit compiles to, in
// Asterisk's terms. Read the way Asterisk reads it (conf-parse.ts): an extension is what it ends up
// with after its templates. Both sides of such a comparison must be read by this function: a file
// cannot say where a password came from (auth kind) nor which options site.yaml named, so a compiled
// model would differ from any file's in ways nobody changed.
import { effectiveOptions, parseConf } from '../conf-parse.js';
import { fingerprint } from '../passwords.js';
import { compareNumbers } from '../resolve.js';
import { DEFAULTS_SECTION } from '../rules.js';
import { isSecretOption } from '../secrets-policy.js';
import type { CompiledModel, ExtensionModel, WizardSection } from '../types.js';

/** What the wizard itself sets or the model has fields for: not listed again among options. */
const MODELLED = new Set(['type', 'transport', 'endpoint/allow', 'endpoint/disallow', 'endpoint/callerid']);
const CALLERID = /^\s*(?:"([^"]*)"|([^"<]*?))\s*<[^>]*>\s*$/;

/** The secret values a wizard file holds (for the redactor: they are never shown). */
export function confPasswords(text: string): string[] {
  const out: string[] = [];
  for (const s of parseConf(text).sections) for (const v of s.own) if (isSecretOption(v.key) && v.value) out.push(v.value);
  return out;
}

function extensionOf(number: string, templates: string[], eff: Map<string, string>): ExtensionModel {
  const callerid = eff.get('endpoint/callerid');
  const m = callerid === undefined ? null : CALLERID.exec(callerid);
  const options: Record<string, string> = {};
  const credentials: string[] = [];
  for (const [key, value] of [...eff].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isSecretOption(key)) credentials.push(`${key}=${value}`);
    // the wizard's default username is the section name, which is how we write it
    else if (!MODELLED.has(key) && !(key === 'inbound_auth/username' && value === number)) options[key] = value;
  }
  const transport = eff.get('transport');
  return {
    number,
    name: m ? (m[1] ?? m[2] ?? '').trim() : (callerid ?? ''),
    template: templates.filter((t) => t !== DEFAULTS_SECTION).at(-1) ?? '(none)',
    file: '',
    ...(transport ? { transport } : {}),
    codecs: (eff.get('endpoint/allow') ?? '').split(',').filter(Boolean),
    options,
    // a file cannot tell a plaintext password from a host secret: the same on both sides
    auth: 'password',
    passwordFingerprint: fingerprint(number, credentials.join('\n')),
  };
}

/** The model of a wizard file; `profile` stands in when its header does not name one (a hand-made file). */
export function confModel(text: string, profile: CompiledModel['profile']): CompiledModel {
  const conf = parseConf(text);
  const extensions: ExtensionModel[] = [];
  const sections: WizardSection[] = [];
  const seen = new Set<string>();
  for (const s of conf.sections) {
    const eff = effectiveOptions(s.variables);
    if (s.isTemplate) {
      sections.push({ name: s.name, isTemplate: true, templates: s.templates,
        options: [...eff].map(([key, value]) => ({ key, value, ...(isSecretOption(key) ? { secret: true } : {}) })) });
      continue;
    }
    // Asterisk merges a repeated section; the change list names it once (as wizard-file.ts does)
    if (seen.has(s.name) || eff.get('type')?.toLowerCase() !== 'wizard') continue;
    seen.add(s.name);
    extensions.push(extensionOf(s.name, s.templates, eff));
  }
  extensions.sort((a, b) => compareNumbers(a.number, b.number));
  const named = /^; profile (dev|production)\b/m.exec(text)?.[1] as CompiledModel['profile'] | undefined;
  return { profile: named ?? profile, guards: {}, extensions, sections, transports: {}, preferredCodecs: {} };
}
