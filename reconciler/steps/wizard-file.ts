// Which extensions a pjsip_wizard.conf makes, and which changed between two of them. The live file
// may be hand-made (type = wizard set in a template, `+=`, block comments), so it is read the way
// Asterisk reads it (compiler/conf-parse.ts), and an extension is compared by what it ends up with:
// a changed template counts for every extension that inherits it.
import { effectiveOptions, parseConf } from '../../compiler/conf-parse.js';

/** Extension section name → its effective options, one line each, in a fixed order. */
function extensionIndex(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of parseConf(text).sections) {
    if (s.isTemplate || out.has(s.name)) continue;
    const eff = effectiveOptions(s.variables);
    if (eff.get('type')?.toLowerCase() !== 'wizard') continue;
    out.set(s.name, [...eff].map(([k, v]) => `${k}=${v}`).sort().join('\n'));
  }
  return out;
}

/** Extensions added, removed and changed between two wizard files. */
export function extensionChanges(before: string, after: string): { added: string[]; removed: string[]; changed: string[] } {
  const a = extensionIndex(before);
  const b = extensionIndex(after);
  const added = [...b.keys()].filter((k) => !a.has(k));
  const removed = [...a.keys()].filter((k) => !b.has(k));
  const changed = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k));
  return { added, removed, changed };
}
