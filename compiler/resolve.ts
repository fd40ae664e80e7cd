// Stage 5: defaults, templates and extensions → the wizard sections to write, in a fixed order, and
// the per-extension model that plans and verification use.
import { effectiveExtension } from './effective.js';
import type { ExtensionInput, Loc, OptionSetInput, SiteInput, TemplateInput } from './input.js';
import { fingerprint } from './passwords.js';
import { isSecretOption } from './secrets-policy.js';
import { DEFAULTS_SECTION } from './rules.js';
import type { ExtensionModel } from './types.js';

export interface PlannedOption { key: string; value: string; secret?: boolean; at: Loc }

export interface PlannedSection {
  name: string;
  isTemplate: boolean;
  templates: string[];
  options: PlannedOption[];
}

/** Fixed key order: type, transport, the wizard's own options, then objects' options by name —
 *  except that endpoint/disallow must come right before endpoint/allow, or it would wipe it. */
function sortKey(key: string): string {
  if (key === 'type') return '0';
  if (key === 'transport') return '1';
  if (!key.includes('/')) return `2${key}`;
  if (key === 'endpoint/disallow') return '3endpoint/allow\u0000';
  if (key === 'endpoint/allow') return '3endpoint/allow\u0001';
  return `3${key}`;
}

export function sortOptions(options: PlannedOption[]): PlannedOption[] {
  return options.sort((a, b) => (sortKey(a.key) < sortKey(b.key) ? -1 : sortKey(a.key) > sortKey(b.key) ? 1 : 0));
}

function codecOptions(codecs: OptionSetInput['codecs']): PlannedOption[] {
  if (!codecs) return [];
  return [
    { key: 'endpoint/disallow', value: 'all', at: codecs.at },
    { key: 'endpoint/allow', value: codecs.list.join(','), at: codecs.at },
  ];
}

/** An option as written, flagged when it carries a credential. */
function planned(o: { key: string; value: string; valueAt: Loc }): PlannedOption {
  return { key: o.key, value: o.value, ...(isSecretOption(o.key) ? { secret: true } : {}), at: o.valueAt };
}

function setOptions(set: OptionSetInput): PlannedOption[] {
  const out: PlannedOption[] = set.options.map(planned);
  if (set.transport) out.push({ key: 'transport', value: set.transport.name, at: set.transport.at });
  return sortOptions(out.concat(codecOptions(set.codecs)));
}

export function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function planSections(
  site: SiteInput,
  placed: ReadonlyArray<{ ext: ExtensionInput; template: TemplateInput; password: string }>,
): { sections: PlannedSection[]; models: ExtensionModel[] } {
  const sections: PlannedSection[] = [
    { name: DEFAULTS_SECTION, isTemplate: true, templates: [], options: setOptions(site.defaults) },
  ];
  const templates = [...site.templates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of templates) sections.push({ name: t.name, isTemplate: true, templates: [], options: setOptions(t) });

  const models: ExtensionModel[] = [];
  const sorted = [...placed].sort((a, b) => compareNumbers(a.ext.number, b.ext.number));
  for (const { ext, template, password } of sorted) {
    const own: PlannedOption[] = ext.options.map(planned);
    own.push({ key: 'type', value: 'wizard', at: ext.numberAt });
    own.push(...codecOptions(ext.codecs));
    const options = sortOptions(own).concat([
      { key: 'endpoint/callerid', value: `"${ext.name}" <${ext.number}>`, at: ext.nameAt },
      { key: 'inbound_auth/username', value: ext.number, at: ext.numberAt },
      { key: 'inbound_auth/password', value: password, secret: true, at: ext.authAt },
    ]);
    sections.push({ name: ext.number, isTemplate: false, templates: [DEFAULTS_SECTION, template.name], options });
    models.push(modelOf(site, ext, template, password));
  }
  return { sections, models };
}

function modelOf(site: SiteInput, ext: ExtensionInput, template: TemplateInput, password: string): ExtensionModel {
  const e = effectiveExtension(site, template, ext);
  const options: Record<string, string> = {};
  // credentials set as options stay out of the model; they count as a password change instead
  const credentials: string[] = [];
  for (const key of [...e.options.keys()].sort()) {
    if (isSecretOption(key)) credentials.push(`${key}=${e.options.get(key)!.value}`);
    else options[key] = e.options.get(key)!.value;
  }
  const model: ExtensionModel = {
    number: ext.number,
    name: ext.name,
    template: template.name,
    file: ext.file,
    codecs: e.codecs?.list ?? [],
    options,
    auth: ext.auth.kind,
    passwordFingerprint: fingerprint(ext.number, [password, ...credentials].join('\n')),
  };
  if (e.transport) model.transport = e.transport.name;
  return model;
}
