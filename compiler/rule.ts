// What every rule sees and its shape: shared by rules.ts and the rule sets it gathers
// (rules-options.ts, rules-production.ts), kept apart so those don't import rules.ts back.
import type { Report } from './diagnostics.js';
import type { ExtensionInput, SiteInput, TemplateInput } from './input.js';

export interface RuleContext {
  site: SiteInput;
  extensions: ExtensionInput[];
  templates: Map<string, TemplateInput>;
  /** the template each extension resolves to (set by the range rule) */
  templateOf: Map<ExtensionInput, TemplateInput>;
  report: Report;
}

export type Rule = (ctx: RuleContext) => void;
