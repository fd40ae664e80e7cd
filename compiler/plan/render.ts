// A plan for people (text), for a pull request comment (markdown, cut to fit GitHub's comment size)
// and for tools (json). Every output passes through the plan's redactor last.
import { DEFAULTS, type ExtensionChange, type ModelChanges, type SiteChange } from './compare.js';
import type { Plan } from './build.js';
import { redactDeep } from './redact.js';

/** GitHub refuses comments over 65,536 characters; leave room for the marker and headers. */
export const MARKDOWN_LIMIT = 60_000;

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
const quote = (s: string) => `"${s}"`;
const arrow = (from: string | undefined, to: string | undefined) => `${from ?? '(not set)'} → ${to ?? '(not set)'}`;

function describe(c: ExtensionChange): string {
  switch (c.kind) {
    case 'template': return `template ${c.from} → ${c.to}`;
    case 'callerid': return `callerid ${quote(c.from)} → ${quote(c.to)}`;
    case 'transport': return `transport ${arrow(c.from, c.to)}`;
    case 'codecs': return `codecs ${c.from.join(',') || '(none)'} → ${c.to.join(',') || '(none)'}`;
    case 'option': return `${c.key}: ${arrow(c.from, c.to)}`;
    case 'auth': return `auth ${c.from} → ${c.to}`;
    case 'password': return 'password changed';
  }
}

function describeSite(c: SiteChange): string {
  switch (c.kind) {
    case 'profile': return `~ profile ${c.from} → ${c.to}`;
    case 'template-added': return `+ template ${c.template}`;
    case 'template-removed': return `- template ${c.template}`;
    case 'template-option': return `~ ${c.template === DEFAULTS ? 'defaults' : `template ${c.template}`} ${c.key}: ${arrow(c.from, c.to)}`;
  }
}

/** 6010, 6011, 6012, 6015 → 6010–6012, 6015 */
function numberRuns(numbers: string[]): string {
  const runs: string[][] = [];
  for (const n of numbers) {
    const run = runs[runs.length - 1];
    if (run && /^\d+$/.test(n) && Number(run[run.length - 1]) + 1 === Number(n)) run.push(n);
    else runs.push([n]);
  }
  return runs.map((r) => (r.length > 2 ? `${r[0]}–${r[r.length - 1]}` : r.join(', '))).join(', ');
}

/** One line per change; a change shared by three or more extensions (a template edit) is one line. */
export function changeLines(c: ModelChanges): string[] {
  const lines: string[] = [];
  for (const a of c.added) lines.push(`+ ${a.number} ${a.template} ${quote(a.name)}`);
  for (const r of c.removed) lines.push(`- ${r.number} ${r.template} ${quote(r.name)}`);
  const who = new Map<string, string[]>();
  for (const e of c.changed) for (const what of e.changes.map(describe)) who.set(what, [...(who.get(what) ?? []), e.number]);
  for (const [what, numbers] of who) {
    if (numbers.length > 2) lines.push(`~ ${numberRuns(numbers)} (${numbers.length} extensions) ${what}`);
    else for (const n of numbers) lines.push(`~ ${n} ${what}`);
  }
  for (const s of c.site) lines.push(describeSite(s));
  return lines;
}

export function summaryText(plan: Plan): string {
  const c = plan.changes;
  if (!plan.changed) return 'no change';
  return `${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed`;
}

function sidesLine(plan: Plan): string {
  const side = (s: Plan['base'] | Plan['head']) => (s.commit ? `${s.label} (${s.commit.slice(0, 12)})` : s.label);
  return `${side(plan.base)} → ${side(plan.head)}`;
}

function baseNote(plan: Plan): string | undefined {
  if (plan.base.missing) return `base ${plan.base.label} has no extensions folder: everything in head is added`;
  if (!plan.base.ok) return `base ${plan.base.label} does not compile (${plural(plan.base.errors, 'error')}): showing head as if everything were added`;
  return undefined;
}

function warningsNote(plan: Plan): string | undefined {
  const w = plan.diagnostics.filter((d) => d.severity === 'warning').length;
  return w ? `head has ${plural(w, 'warning')} (pjsip-gitops validate shows them)` : undefined;
}

/** What the host's guards will refuse: said before anything else, as the host will say it. */
export function refusalLines(plan: Plan): string[] {
  return plan.refusals.map((r) => `the reconciler will refuse this: ${r.message}`);
}

function diagnosticLines(plan: Plan): string[] {
  return plan.diagnostics.map((d) => `${d.file}${d.line ? `:${d.line}:${d.col}` : ''}  ${d.code}  ${d.severity}: ${d.message}`);
}

const paint = (code: string, s: string) => `\u001b[${code}m${s}\u001b[0m`;

/** Colours (on a terminal) follow git: additions green, removals red, changes and hunks cyan. */
function colorLine(line: string): string {
  if (/^(\+\+\+|---) /.test(line)) return paint('1', line);
  if (line.startsWith('+')) return paint('32', line);
  if (line.startsWith('-')) return paint('31', line);
  if (line.startsWith('~') || line.startsWith('@@')) return paint('36', line);
  return line;
}

export function renderText(plan: Plan, options: { color?: boolean } = {}): string {
  const out = [`plan: ${sidesLine(plan)}`];
  const note = baseNote(plan);
  if (note) out.push(note);
  if (!plan.changed) {
    out.push('no change: the compiled pjsip_wizard.conf is the same');
  } else {
    out.push(...refusalLines(plan));
    out.push(...changeLines(plan.changes));
    out.push(`${summaryText(plan)} (${plan.base.extensions} → ${plan.head.extensions} extensions)`);
    if (plan.diff) out.push('', plan.diff.trimEnd());
    else if (plan.diffNote) out.push(plan.diffNote);
  }
  if (!plan.base.ok && !plan.base.missing && plan.diagnostics.length) out.push('', 'head diagnostics:', ...diagnosticLines(plan));
  else { const w = warningsNote(plan); if (w) out.push(w); }
  // redact before painting, so no escape sequence can split a password
  const text = plan.redact(out.join('\n'));
  return (options.color ? text.split('\n').map(colorLine).join('\n') : text) + '\n';
}

/** A code span that survives backticks inside. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

function fenceFor(body: string): string {
  const longest = Math.max(0, ...(body.match(/`{3,}/g) ?? []).map((m) => m.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Cuts text at a line end so it fits `limit` characters. */
function cutLines(lines: string[], limit: number): { kept: string[]; dropped: number } {
  let size = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    size += lines[i]!.length + 1;
    if (size > limit) break;
  }
  return { kept: lines.slice(0, i), dropped: lines.length - i };
}

export function renderMarkdown(plan: Plan, limit = MARKDOWN_LIMIT): string {
  if (!plan.head.ok) return plan.redact(failedMarkdown(plan, limit));
  // the summary line comes first: it is what a notification shows
  const refused = plan.refusals.length ? ' · the reconciler will refuse it' : '';
  const summary = plan.changed ? `**${summaryText(plan)}${refused}**` : '**no change**';
  const head = [`${summary} · pjsip_wizard.conf plan · ${code(sidesLine(plan))} · ${plan.base.extensions} → ${plan.head.extensions} extensions`, ''];
  const note = baseNote(plan);
  if (note) head.push(`> ${note}`, '');
  for (const r of plan.refusals) head.push('> [!CAUTION]', `> **The reconciler will refuse this:** ${r.message}`, '');
  // room left after the fixed parts: the list gets half, diagnostics a quarter, the diff the rest
  let room = limit - head.join('\n').length - 300;

  const list = plan.changed ? changeLines(plan.changes).map((l) => `- ${code(l)}`) : ['The compiled pjsip_wizard.conf is the same: nothing to reload.'];
  const listCut = cutLines(list, Math.floor(room / 2));
  const listPart = [...listCut.kept];
  if (listCut.dropped) listPart.push(`- … and ${listCut.dropped} more (run \`pjsip-gitops plan\` locally for the whole list)`);
  room -= listPart.join('\n').length;

  const tail: string[] = [];
  if (!plan.base.ok && !plan.base.missing && plan.diagnostics.length) {
    const cut = cutLines(diagnosticLines(plan), Math.floor(room / 2));
    const body = cut.kept.join('\n') + (cut.dropped ? `\n… and ${cut.dropped} more` : '');
    tail.push('', '<details><summary>head diagnostics</summary>', '', fenceFor(body), body, fenceFor(body), '', '</details>');
  } else {
    const w = warningsNote(plan);
    if (w) tail.push('', `_${w}_`);
  }
  room -= tail.join('\n').length;

  const parts = [...head, ...listPart];
  if (plan.changed && plan.diff) {
    const cut = cutLines(plan.diff.trimEnd().split('\n'), Math.max(0, room));
    if (cut.kept.length === 0) {
      parts.push('', '_the diff is too long for a comment; run `pjsip-gitops plan` locally_');
    } else {
      const body = cut.kept.join('\n');
      const fence = fenceFor(body);
      parts.push('', '<details><summary>pjsip_wizard.conf diff</summary>', '', `${fence}diff`, body, fence, '');
      if (cut.dropped) parts.push(`_diff cut: ${cut.dropped} more lines (run \`pjsip-gitops plan\` locally for all of it)_`, '');
      parts.push('</details>');
    }
  } else if (plan.changed && plan.diffNote) {
    parts.push('', `_${plan.diffNote}_`);
  }
  parts.push(...tail);
  let text = plan.redact(parts.join('\n') + '\n');
  if (text.length > limit) {
    // a last guard (very long lines): cut at a line end, and close an open fence
    text = text.slice(0, text.lastIndexOf('\n', limit - 200)) + '\n```\n\n_plan cut to fit a comment_\n';
  }
  return text;
}

function failedMarkdown(plan: Plan, limit: number): string {
  const cut = cutLines(diagnosticLines(plan), limit - 1000);
  const body = cut.kept.join('\n') + (cut.dropped ? `\n… and ${cut.dropped} more` : '');
  const fence = fenceFor(body);
  return [`**${plan.head.label} does not compile** (${plural(plan.head.errors, 'error')}) · pjsip_wizard.conf plan · ${code(sidesLine(plan))}`, '',
    'Nothing can be applied until these are fixed (`pjsip-gitops validate` shows them with the source lines):', '',
    fence, body, fence, ''].join('\n');
}

export function renderJson(plan: Plan): string {
  const body = {
    base: plan.base,
    head: plan.head,
    changed: plan.changed,
    summary: summaryText(plan),
    added: plan.changes.added,
    removed: plan.changes.removed,
    changes: plan.changes.changed,
    site: plan.changes.site,
    lines: plan.changed ? changeLines(plan.changes) : [],
    ...(plan.policy ? { policy: plan.policy } : {}),
    refusals: plan.refusals,
    ...(plan.diff ? { diff: plan.diff } : {}),
    ...(plan.diffNote ? { diffNote: plan.diffNote } : {}),
    diagnostics: plan.diagnostics,
  };
  return JSON.stringify(redactDeep(body, plan.redact), null, 2) + '\n';
}
