// The safety guards as one pure evaluation, shared by `plan` (which predicts) and the reconciler's
// guard step (which refuses): a pull request can only tell the truth about what the host will do if
// both read the same policy through the same function.
//
// The policy lives in site.yaml (`guards:`), so it is reviewed with the change and the plan can read
// it; the host's config can only TIGHTEN it (a lower maxDeletions, allowEmpty forced off), never
// loosen it — a host that is stricter than the plan says refuses more, never less.

/** The effective policy: remove at most `maxDeletions` extensions in one pass; an empty file only when `allowEmpty`. */
export interface GuardPolicy {
  maxDeletions: number;
  allowEmpty: boolean;
}

/** As written (site.yaml `guards:` or the host config's `guards:`): a field left out sets nothing. */
export interface GuardSettings {
  maxDeletions?: number;
  allowEmpty?: boolean;
}

/** What applies when site.yaml says nothing: the reconciler's long-standing defaults. */
export const DEFAULT_GUARDS: Readonly<GuardPolicy> = Object.freeze({ maxDeletions: 5, allowEmpty: false });

/**
 * site.yaml's guards (defaults filled), tightened by the host's. `host` must be the host config as
 * written — a value the loader filled in by default would silently cap every site at the default.
 */
export function effectivePolicy(site: GuardSettings | undefined, host?: GuardSettings): GuardPolicy {
  const fromSite = site?.maxDeletions ?? DEFAULT_GUARDS.maxDeletions;
  return {
    maxDeletions: host?.maxDeletions === undefined ? fromSite : Math.min(fromSite, host.maxDeletions),
    allowEmpty: (site?.allowEmpty ?? DEFAULT_GUARDS.allowEmpty) && host?.allowEmpty !== false,
  };
}

/** One pass's change, as the guards see it. */
export interface GuardedChange {
  /** the extension numbers the pass removes */
  removed: readonly string[];
  /** how many extensions the new file has */
  extensions: number;
}

export type Refusal =
  | { code: 'MAX_DELETIONS'; removed: string[]; limit: number; message: string }
  | { code: 'EMPTY_FILE'; removed: string[]; message: string };

function list(numbers: readonly string[]): string {
  return numbers.length > 10 ? `${numbers.slice(0, 10).join(', ')} and ${numbers.length - 10} more` : numbers.join(', ');
}

/** Every guard the change breaks under `policy`; empty when the host would go ahead. */
export function refusals(change: GuardedChange, policy: GuardPolicy): Refusal[] {
  const out: Refusal[] = [];
  const removed = [...change.removed];
  if (removed.length > policy.maxDeletions) {
    out.push({
      code: 'MAX_DELETIONS', removed, limit: policy.maxDeletions,
      message: `it removes ${removed.length} extensions in one pass (guards.maxDeletions is ${policy.maxDeletions}): ${list(removed)}. ` +
        'If this is intended, raise guards.maxDeletions in site.yaml (the host config may cap it) or remove them in smaller commits',
    });
  }
  if (change.extensions === 0 && !policy.allowEmpty) {
    out.push({
      code: 'EMPTY_FILE', removed,
      message: `it leaves no extension at all (it would remove ${removed.length} from Asterisk); ` +
        'set guards.allowEmpty: true in site.yaml if that is intended',
    });
  }
  return out;
}
