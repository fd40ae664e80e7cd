// Just enough reading of a pjsip_wizard.conf to tell which extensions it holds and which changed:
// the live file may be hand-made, so this reads any wizard file, not only ours.

export interface WizardFileSection {
  name: string;
  isTemplate: boolean;
  /** the section's lines after the header, comments and blank lines dropped */
  body: string;
  wizard: boolean;
}

const HEADER = /^\[([^\]]*)\](?:\(([^)]*)\))?/;

export function readWizardSections(text: string): WizardFileSection[] {
  const out: WizardFileSection[] = [];
  let current: { name: string; isTemplate: boolean; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const body = current.lines.join('\n');
    out.push({ name: current.name, isTemplate: current.isTemplate, body, wizard: /^type\s*=>?\s*wizard\s*$/im.test(body) });
  };
  let inBlockComment = 0;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (inBlockComment) {
      const end = line.indexOf('--;');
      if (end === -1) continue;
      inBlockComment--;
      line = line.slice(end + 3).trim();
    }
    if (line.startsWith(';--')) { inBlockComment++; continue; }
    line = line.replace(/(^|[^\\]);.*$/, '$1').trim(); // a `;` not written `\;` starts a comment
    if (!line) continue;
    const h = HEADER.exec(line);
    if (h) {
      flush();
      const templates = (h[2] ?? '').split(',').map((s) => s.trim());
      current = { name: h[1]!.trim(), isTemplate: templates.includes('!'), lines: [`(${h[2] ?? ''})`] };
      continue;
    }
    current?.lines.push(line);
  }
  flush();
  return out;
}

/** Names of the wizard sections that make endpoints (templates excluded). */
export function wizardExtensions(text: string): string[] {
  return readWizardSections(text).filter((s) => !s.isTemplate && s.wizard).map((s) => s.name);
}

/** Extensions added, removed and changed between two wizard files (a changed template counts for none). */
export function extensionChanges(before: string, after: string): { added: string[]; removed: string[]; changed: string[] } {
  const index = (text: string) => new Map(readWizardSections(text).filter((s) => !s.isTemplate && s.wizard).map((s) => [s.name, s.body]));
  const a = index(before);
  const b = index(after);
  const added = [...b.keys()].filter((k) => !a.has(k));
  const removed = [...a.keys()].filter((k) => !b.has(k));
  const changed = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k));
  return { added, removed, changed };
}
