// Two compiled models → what changes in Asterisk's terms: extensions added, removed and changed
// (template, callerid, transport, codecs, options, password), and template sections changed.
// Passwords are compared by fingerprint only; no value of one ever enters a change.
import type { CompiledModel, ExtensionModel } from '../types.js';
import { compareNumbers } from '../resolve.js';
import { DEFAULTS_SECTION } from '../rules.js';

export type ExtensionChange =
  | { kind: 'template'; from: string; to: string }
  | { kind: 'callerid'; from: string; to: string }
  | { kind: 'transport'; from?: string; to?: string }
  | { kind: 'codecs'; from: string[]; to: string[] }
  | { kind: 'option'; key: string; from?: string; to?: string }
  | { kind: 'auth'; from: string; to: string }
  | { kind: 'password' };

export type SiteChange =
  | { kind: 'profile'; from: string; to: string }
  | { kind: 'template-added' | 'template-removed'; template: string }
  | { kind: 'template-option'; template: string; key: string; from?: string; to?: string };

/** How site.yaml's defaults are named in site changes (no template can have this name). */
export const DEFAULTS = '(defaults)';

export interface ExtensionSummary { number: string; template: string; name: string }

export interface ModelChanges {
  added: ExtensionSummary[];
  removed: ExtensionSummary[];
  changed: { number: string; name: string; changes: ExtensionChange[] }[];
  site: SiteChange[];
}

const summary = (e: ExtensionModel): ExtensionSummary => ({ number: e.number, template: e.template, name: e.name });

function optionChanges(before: Record<string, string>, after: Record<string, string>): { key: string; from?: string; to?: string }[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => before[k] !== after[k]).map((key) => ({
    key, ...(before[key] !== undefined ? { from: before[key] } : {}), ...(after[key] !== undefined ? { to: after[key] } : {}),
  }));
}

function extensionChanges(a: ExtensionModel, b: ExtensionModel): ExtensionChange[] {
  const out: ExtensionChange[] = [];
  if (a.template !== b.template) out.push({ kind: 'template', from: a.template, to: b.template });
  if (a.name !== b.name) out.push({ kind: 'callerid', from: a.name, to: b.name });
  if (a.transport !== b.transport) {
    out.push({ kind: 'transport', ...(a.transport ? { from: a.transport } : {}), ...(b.transport ? { to: b.transport } : {}) });
  }
  if (a.codecs.join(',') !== b.codecs.join(',')) out.push({ kind: 'codecs', from: a.codecs, to: b.codecs });
  for (const o of optionChanges(a.options, b.options)) out.push({ kind: 'option', ...o });
  if (a.auth !== b.auth) out.push({ kind: 'auth', from: a.auth, to: b.auth });
  if (a.passwordFingerprint !== b.passwordFingerprint) out.push({ kind: 'password' });
  return out;
}

function templateOptions(model: CompiledModel): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const s of model.sections) {
    if (!s.isTemplate) continue;
    const name = s.name === DEFAULTS_SECTION ? DEFAULTS : s.name;
    out.set(name, Object.fromEntries(s.options.filter((o) => !o.secret).map((o) => [o.key, o.value])));
  }
  return out;
}

/** `base` undefined: nothing compiled before, so everything in `head` is added. */
export function compareModels(base: CompiledModel | undefined, head: CompiledModel): ModelChanges {
  const before = new Map((base?.extensions ?? []).map((e) => [e.number, e]));
  const after = new Map(head.extensions.map((e) => [e.number, e]));
  const byNumber = (x: { number: string }, y: { number: string }) => compareNumbers(x.number, y.number);
  const added = head.extensions.filter((e) => !before.has(e.number)).map(summary).sort(byNumber);
  const removed = (base?.extensions ?? []).filter((e) => !after.has(e.number)).map(summary).sort(byNumber);
  const changed: ModelChanges['changed'] = [];
  for (const b of head.extensions) {
    const a = before.get(b.number);
    if (!a) continue;
    const changes = extensionChanges(a, b);
    if (changes.length) changed.push({ number: b.number, name: b.name, changes });
  }
  changed.sort(byNumber);

  const site: SiteChange[] = [];
  if (!base) return { added, removed, changed, site };
  if (base.profile !== head.profile) site.push({ kind: 'profile', from: base.profile, to: head.profile });
  const t0 = templateOptions(base);
  const t1 = templateOptions(head);
  for (const name of t1.keys()) if (!t0.has(name)) site.push({ kind: 'template-added', template: name });
  for (const name of t0.keys()) if (!t1.has(name)) site.push({ kind: 'template-removed', template: name });
  for (const [name, opts] of t1) {
    const old = t0.get(name);
    if (old) for (const o of optionChanges(old, opts)) site.push({ kind: 'template-option', template: name, ...o });
  }
  return { added, removed, changed, site };
}

export function countChanges(c: ModelChanges): number {
  return c.added.length + c.removed.length + c.changed.length + c.site.length;
}
