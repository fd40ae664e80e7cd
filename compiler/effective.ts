// What one template or extension ends up with after defaults and template: the values Asterisk sees.
import { isTrue, lookupOption } from './catalog.js';
import type { ExtensionInput, Loc, OptionInput, OptionSetInput, SiteInput, TemplateInput } from './input.js';

export interface Effective {
  options: Map<string, OptionInput>;
  transport?: { name: string; at: Loc };
  codecs?: { list: string[]; at: Loc; itemAt: Loc[] };
}

function layer(into: Effective, set: Pick<OptionSetInput, 'options' | 'transport' | 'codecs'>): Effective {
  for (const o of set.options) into.options.set(o.key, o);
  if (set.transport) into.transport = set.transport;
  if (set.codecs) into.codecs = set.codecs;
  return into;
}

export function effectiveTemplate(site: SiteInput, template: TemplateInput | undefined): Effective {
  const e = layer({ options: new Map() }, site.defaults);
  return template ? layer(e, template) : e;
}

export function effectiveExtension(site: SiteInput, template: TemplateInput | undefined, ext: ExtensionInput): Effective {
  return layer(effectiveTemplate(site, template), { options: ext.options, ...(ext.codecs ? { codecs: ext.codecs } : {}) });
}

/** The value Asterisk uses for `key`: the written one, else the catalog default. */
export function valueOf(e: Effective, key: string): string | undefined {
  const written = e.options.get(key);
  if (written) return written.value;
  const d = lookupOption(key)?.option as { default?: string } | null | undefined;
  return d?.default;
}

export function flag(e: Effective, key: string): boolean {
  const v = valueOf(e, key);
  return v !== undefined && isTrue(v);
}
