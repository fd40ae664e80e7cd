// After a reload: every added or changed extension has each object the wizard should make for it
// (reconciler/verify-objects.ts), and shows the values Git wrote. Values need one `pjsip show <kind>
// <id>` per object (~50 ms each, a few at a time): all changed extensions when they are few, a sample
// of VALUE_CHECKED_MAX when many (reconciler/verify-sample.ts); an object so shown is proved to exist
// by its show. Only the objects of changed extensions OUTSIDE the sample are checked from listings,
// one per kind (`pjsip show aors|auths`, identifies or registrations when they make any; endpoints
// from the caller's listing of every endpoint). A listing of every object of a kind stalls a large PBX
// (at 10,000 extensions `pjsip show aors` took 2-8 s on a loaded host, and some of an unrelated phone's
// REGISTERs went unanswered meanwhile), so a change of up to VALUE_CHECKED_MAX extensions lists nothing here.
import { effectiveOptions, parseConf } from '../compiler/conf-parse.js';
import { isSecretOption } from '../compiler/secrets-policy.js';
import type { CompiledModel } from '../compiler/types.js';
import type { AsteriskFailure, AsteriskOptions } from './asterisk.js';
import { listingCommand, listObjectIds, showParameters, type ListedKind, type ShownKind } from './asterisk-objects.js';
import type { Target } from './target.js';
import { checkExtension, expectedObjects, missingObjects, type VerifyProblem } from './verify-objects.js';
import { valueSample } from './verify-sample.js';

/** At most this many `asterisk -rx` at once: enough to hide their latency, few enough for a busy PBX. */
export const VERIFY_PARALLEL = 4;

export interface VerifyCounts {
  /** changed extensions whose values were compared */
  valueChecked: number;
  /** changed extensions only checked for existence (not in the sample) */
  existenceOnly: number;
  /** the kinds they fall into (each has at least one extension in the sample) */
  kinds: number;
  /** objects shown one by one */
  objectsShown: number;
  /** listings read for the existence of the extensions outside the sample (`pjsip show aors` …); none when all were shown */
  listings: string[];
}

export type VerifyOutcome =
  | ({ ok: true; problems: VerifyProblem[] } & VerifyCounts)
  | { ok: false; failure: { reason: AsteriskFailure; detail: string }; command: string };

/**
 * The credential options of each named wizard section, as Asterisk reads the file (templates applied).
 * Only the templates and the named sections are parsed: the whole file of 10,000 sections takes
 * ~0.3 s to parse, the few a change touched next to nothing.
 */
export function sectionCredentials(conf: string, names: Set<string>): Map<string, Map<string, string>> {
  const kept: string[] = [];
  let keep = true;
  for (const line of conf.split('\n')) {
    const header = /^\s*\[([^\]]*)\](.*)$/.exec(line);
    if (header) keep = names.has(header[1]!) || /^\s*\(\s*!/.test(header[2]!);
    if (keep) kept.push(line);
  }
  const out = new Map<string, Map<string, string>>();
  for (const s of parseConf(kept.join('\n')).sections) {
    if (s.isTemplate || !names.has(s.name) || out.has(s.name)) continue;
    out.set(s.name, new Map([...effectiveOptions(s.variables)].filter(([k]) => isSecretOption(k))));
  }
  return out;
}

async function inPool<T>(items: T[], limit: number, run: (item: T) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < items.length) if (!(await run(items[next++]!))) stop = true;
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

type Failure = Extract<VerifyOutcome, { ok: false }>;

/**
 * One listing per kind in `kinds` (split in parts on a large PBX: `expected` says how many objects of
 * each kind the model makes); endpoints come from the caller's listing of every endpoint.
 */
async function listings(target: Target, o: Partial<AsteriskOptions>, kinds: Set<ShownKind>, expected: (kind: ListedKind) => number,
  endpoints: ReadonlyMap<string, string>): Promise<Map<ShownKind, ReadonlySet<string> | ReadonlyMap<string, string>> | Failure> {
  const listed = new Map<ShownKind, ReadonlySet<string> | ReadonlyMap<string, string>>([['endpoint', endpoints]]);
  const wanted = [...kinds].filter((k): k is ListedKind => k !== 'endpoint');
  let failure: Failure | undefined;
  await inPool(wanted, VERIFY_PARALLEL, async (kind) => {
    const r = await listObjectIds(target, o, kind, expected(kind));
    if (!r.ok) {
      failure = { ok: false, failure: r, command: listingCommand(kind) };
      return false;
    }
    listed.set(kind, r.value);
    return true;
  });
  return failure ?? listed;
}

/**
 * Checks the objects of `numbers` (added or changed extensions) against the model: the sampled ones
 * show Git's values (an object missing shows nothing), the others exist (listings). `conf` is the file
 * Asterisk just reloaded; `endpoints` the endpoints listed after the reload; `listingTimeoutMs` the
 * listings' timeout (default: the one of `o`).
 */
export async function verifyExtensions(target: Target, o: Partial<AsteriskOptions>, model: CompiledModel,
  conf: string, numbers: string[], endpoints: ReadonlyMap<string, string>, listingTimeoutMs?: number): Promise<VerifyOutcome> {
  const wanted = new Set(numbers);
  const exts = model.extensions.filter((e) => wanted.has(e.number));
  const none: VerifyCounts = { valueChecked: 0, existenceOnly: 0, kinds: 0, objectsShown: 0, listings: [] };
  if (!exts.length) return { ok: true, problems: [], ...none };
  const sample = valueSample(exts);
  const checked = new Set(sample.checked);
  const unshown = exts.filter((e) => !checked.has(e));
  // only what no show covers is listed: the kinds of the extensions outside the sample
  const kinds = new Set(unshown.flatMap((e) => expectedObjects(e).map((obj) => obj.kind)));
  const listedKinds = [...kinds].filter((k): k is ListedKind => k !== 'endpoint');
  // a listing of every object takes longer on a large PBX: it may wait longer than one object's show
  const expected = (kind: ListedKind) => model.extensions.reduce((n, e) => n + expectedObjects(e).filter((obj) => obj.kind === kind).length, 0);
  const listed = await listings(target, { ...o, ...(listingTimeoutMs ? { timeoutMs: listingTimeoutMs } : {}) }, kinds, expected, endpoints);
  if (!(listed instanceof Map)) return listed;
  const credentials = sectionCredentials(conf, new Set(sample.checked.map((e) => e.number)));
  const jobs = sample.checked.flatMap((ext) => expectedObjects(ext));
  const shown = new Map<string, Map<string, string> | null>();
  let failure: Failure | undefined;
  await inPool(jobs, VERIFY_PARALLEL, async (obj) => {
    const r = await showParameters(target, o, obj.kind, obj.id);
    if (!r.ok) {
      failure = { ok: false, failure: r, command: `pjsip show ${obj.kind} ${obj.id}` };
      return false;
    }
    shown.set(`${obj.kind} ${obj.id}`, r.value);
    return true;
  });
  if (failure) return failure;
  // outside the sample: each object in its kind's listing; in it: each object's show (null when missing)
  const problems = [...unshown.flatMap((ext) => missingObjects(ext, listed)),
    ...sample.checked.flatMap((ext) => checkExtension(ext, shown, credentials.get(ext.number) ?? new Map()))];
  const order = new Map(exts.map((e, i) => [e.number, i]));
  problems.sort((a, b) => order.get(a.extension)! - order.get(b.extension)!);
  return { ok: true, problems, valueChecked: sample.checked.length, existenceOnly: unshown.length,
    kinds: sample.kinds, objectsShown: jobs.length, listings: listedKinds.map(listingCommand) };
}
