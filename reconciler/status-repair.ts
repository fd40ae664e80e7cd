// A status file is checked field by field when read: what is sound is kept, what is not is dropped
// (and named), so one bad field can never make every later status write or `status` fail.
import type { PassOutcome, PassResult, Status } from './pass-types.js';

const OUTCOMES: ReadonlySet<string> = new Set<PassOutcome>(['applied', 'unchanged', 'drift-corrected', 'drift-reported', 'failed', 'stalled', 'transient', 'dry-run', 'suspended']);
const CONDITIONS: ReadonlySet<string> = new Set(['Ready', 'Failed', 'Stalled']);

type Obj = Record<string, unknown>;
type FieldCheck = (v: unknown) => boolean;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: FieldCheck = (v) => typeof v === 'string';
const num: FieldCheck = (v) => typeof v === 'number' && Number.isFinite(v);
const count: FieldCheck = (v) => num(v) && (v as number) >= 0;
const bool: FieldCheck = (v) => typeof v === 'boolean';
const oneOf = (set: ReadonlySet<string>): FieldCheck => (v) => typeof v === 'string' && set.has(v);
const strings: FieldCheck = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Fields an object must have (and optional ones that must be right when present); the names of the bad ones. */
function badFields(v: unknown, required: Record<string, FieldCheck>, optional: Record<string, FieldCheck> = {}): string[] | null {
  if (!isObj(v)) return null;
  const bad = Object.entries(required).filter(([k, check]) => !check(v[k])).map(([k]) => k);
  bad.push(...Object.entries(optional).filter(([k, check]) => v[k] !== undefined && !check(v[k])).map(([k]) => k));
  return bad;
}

const LAST_APPLIED = { required: { commit: str, hash: str, fileSha256: str, time: str }, optional: { inputKey: str, extensions: strings } };
const LAST_ATTEMPT = { required: { time: str, result: oneOf(OUTCOMES), reason: str }, optional: { commit: str } };
const LAST_FAILED = { required: { commit: str, fileSha256: str, reason: str, message: str, time: str }, optional: { transient: bool } };
const LAST_RELOAD = { required: { durationMs: count, endpoints: count, time: str }, optional: {} };
const PENDING = { required: { commit: str, fileSha256: str, since: str, pid: num, backup: str }, optional: {} };
const STALLED_COMPILE = { required: { inputKey: str, commit: str, message: str, diagnostics: strings, diagnosticsCount: count }, optional: {} };
const SUSPENDED = { required: { reason: str, since: str }, optional: { by: str } };
const CONDITION = { required: { type: oneOf(CONDITIONS), reason: str, message: str, since: str }, optional: {} };
const HISTORY_ENTRY = {
  required: { result: oneOf(OUTCOMES), condition: oneOf(CONDITIONS), reason: str, message: str, reloaded: bool, transient: bool, startedAt: str, durationMs: num },
  optional: { commit: str, hash: str, reloadCount: count, trigger: str, diagnostics: strings, diagnosticsCount: count, steps: Array.isArray, changes: isObj, changesCount: isObj },
};

/**
 * The sound part of a parsed status file, and one line per thing dropped (field names and types,
 * never values). `fallback` supplies what a dropped required part becomes.
 */
export function repairStatus(raw: unknown, fallback: Status): { status: Status; repairs: string[] } {
  const repairs: string[] = [];
  if (!isObj(raw) || raw.version !== 1) {
    repairs.push(isObj(raw) ? `unknown version ${JSON.stringify(raw.version ?? null).slice(0, 20)}: started afresh` : 'not a JSON object: started afresh');
    return { status: fallback, repairs };
  }
  const status: Status = { ...fallback };
  const optionalPart = <K extends keyof Status>(key: K, shape: { required: Record<string, FieldCheck>; optional: Record<string, FieldCheck> }) => {
    const v = raw[key];
    if (v === undefined) return;
    const bad = badFields(v, shape.required, shape.optional);
    if (bad && bad.length === 0) status[key] = v as Status[K];
    else repairs.push(bad ? `${key} dropped (bad ${bad.join(', ')})` : `${key} dropped (not an object)`);
  };
  optionalPart('lastApplied', LAST_APPLIED);
  optionalPart('lastAttempt', LAST_ATTEMPT);
  optionalPart('lastFailed', LAST_FAILED);
  optionalPart('pending', PENDING);
  optionalPart('lastReload', LAST_RELOAD);
  optionalPart('stalledCompile', STALLED_COMPILE);
  optionalPart('suspended', SUSPENDED);

  const cond = badFields(raw.condition, CONDITION.required);
  if (cond && cond.length === 0) status.condition = raw.condition as Status['condition'];
  else repairs.push(raw.condition === undefined ? 'condition missing: reset' : 'condition malformed: reset');

  if (Array.isArray(raw.history)) {
    const kept = raw.history.filter((e) => badFields(e, HISTORY_ENTRY.required, HISTORY_ENTRY.optional)?.length === 0) as PassResult[];
    if (kept.length < raw.history.length) repairs.push(`history: ${raw.history.length - kept.length} malformed entr${raw.history.length - kept.length === 1 ? 'y' : 'ies'} dropped`);
    status.history = kept;
  } else {
    repairs.push(raw.history === undefined ? 'history missing: reset' : 'history is not a list: reset');
  }

  status.counters = repairCounters(raw.counters, fallback.counters, repairs);
  return { status, repairs };
}

function repairCounters(v: unknown, fallback: Status['counters'], repairs: string[]): Status['counters'] {
  if (!isObj(v)) {
    repairs.push(v === undefined ? 'counters missing: reset' : 'counters malformed: reset');
    return fallback;
  }
  const out: Status['counters'] = { passes: {}, reloads: 0, driftEvents: 0 };
  const bad: string[] = [];
  if (isObj(v.passes)) {
    for (const [k, n] of Object.entries(v.passes)) {
      if (OUTCOMES.has(k) && count(n)) out.passes[k as PassOutcome] = n as number;
      else bad.push(`passes.${k.slice(0, 40)}`);
    }
  } else bad.push('passes');
  if (count(v.reloads)) out.reloads = v.reloads as number; else bad.push('reloads');
  if (count(v.driftEvents)) out.driftEvents = v.driftEvents as number; else bad.push('driftEvents');
  if (str(v.lastSuccessTime)) out.lastSuccessTime = v.lastSuccessTime as string;
  else if (v.lastSuccessTime !== undefined) bad.push('lastSuccessTime');
  if (bad.length) repairs.push(`counters: bad ${bad.join(', ')} reset`);
  return out;
}
