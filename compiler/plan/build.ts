// Two compile results (base and head) → a plan: the change list, and the unified diff of the redacted
// files. "No change" is decided by the body hash, never by diffing (Myers diff is O(ND)); the diff
// has a time limit and gives way to a summary when it runs out.
import { createTwoFilesPatch } from 'diff';
import type { CompileResult, Diagnostic, SourceFile } from '../types.js';
import { compareModels, countChanges, type ModelChanges } from './compare.js';
import { effectivePolicy, refusals, type GuardPolicy, type GuardSettings, type Refusal } from './guards.js';
import { compiledPasswords, redactor, sourcePasswords, type Redactor } from './redact.js';

export interface PlanSide {
  /** what the user named (`origin/main`, a commit, or 'work tree') */
  label: string;
  commit?: string;
  sources: SourceFile[];
  /** undefined: there was no extensions folder at that revision */
  result?: CompileResult;
}

export interface Plan {
  base: { label: string; commit?: string; ok: boolean; missing: boolean; hash?: string; extensions: number; errors: number };
  head: { label: string; commit?: string; ok: boolean; hash?: string; extensions: number; errors: number };
  /** true when what Asterisk sees would change (the body hashes differ) */
  changed: boolean;
  changes: ModelChanges;
  /** redacted unified diff; absent when nothing changed, only secrets changed, or the diff timed out */
  diff?: string;
  /** why there is no diff although something changed */
  diffNote?: string;
  /** the guards the head's site.yaml sets (tightened by `hostGuards` when given) */
  policy?: GuardPolicy;
  /** what the reconciler will refuse to apply; empty when it will go ahead (or nothing changed) */
  refusals: Refusal[];
  /** the head's diagnostics (warnings when it compiles, errors when it does not) */
  diagnostics: Diagnostic[];
  redact: Redactor;
}

export interface BuildOptions {
  /** give up on the diff after this long (ms); default 5000 */
  diffTimeoutMs?: number;
  fileName?: string;
  /** the host config's guards, as written, when known: they can only tighten site.yaml's */
  hostGuards?: GuardSettings;
}

const count = (r: CompileResult | undefined, sev: string) => r?.diagnostics.filter((d) => d.severity === sev).length ?? 0;

export function buildPlan(base: PlanSide, head: PlanSide, options: BuildOptions = {}): Plan {
  const redact = redactor([...sourcePasswords(base.sources), ...sourcePasswords(head.sources),
    ...compiledPasswords(base.result), ...compiledPasswords(head.result)]);
  const b = base.result?.ok ? base.result : undefined;
  const h = head.result?.ok ? head.result : undefined;
  const plan: Plan = {
    base: { label: base.label, ...(base.commit ? { commit: base.commit } : {}), ok: Boolean(b), missing: !base.result,
      ...(b ? { hash: b.hash } : {}), extensions: b?.model.extensions.length ?? 0, errors: count(base.result, 'error') },
    head: { label: head.label, ...(head.commit ? { commit: head.commit } : {}), ok: Boolean(h),
      ...(h ? { hash: h.hash } : {}), extensions: h?.model.extensions.length ?? 0, errors: count(head.result, 'error') },
    changed: false,
    changes: { added: [], removed: [], changed: [], site: [] },
    refusals: [],
    diagnostics: head.result?.diagnostics ?? [],
    redact,
  };
  if (!h) return plan;
  plan.changed = b?.hash !== h.hash;
  if (!plan.changed) return plan;
  plan.changes = compareModels(b?.model, h.model);
  // the host runs its guards only when something Asterisk sees changed, with the policy it compiled
  plan.policy = effectivePolicy(h.model.guards, options.hostGuards);
  plan.refusals = refusals({ removed: plan.changes.removed.map((r) => r.number), extensions: h.model.extensions.length }, plan.policy);

  const name = options.fileName ?? 'pjsip_wizard.conf';
  const before = b?.redacted ?? '';
  if (before === h.redacted) {
    plan.diffNote = countChanges(plan.changes) ? 'only passwords changed; they are not shown' : 'no visible difference';
    return plan;
  }
  const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, before, h.redacted, base.label, head.label,
    { context: 3, timeout: options.diffTimeoutMs ?? 5000 });
  if (patch === undefined) {
    plan.diffNote = `the diff took longer than ${options.diffTimeoutMs ?? 5000} ms and was left out; compare the files with pjsip-gitops compile --redact`;
  } else {
    // drop the `===` line jsdiff puts first; keep ---/+++ and the hunks, like git
    plan.diff = redact(patch.replace(/^(Index: .*\n)?=+\n/, ''));
  }
  return plan;
}
