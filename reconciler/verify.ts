// After a reload: every added or changed extension has each object the wizard should make for it,
// showing the values Git wrote (reconciler/verify-objects.ts). One `pjsip show <kind> <id>` per
// object — a few per changed extension, each ~50 ms, whatever the PBX's size — a few at a time, so
// one change among 10,000 extensions costs what one among ten does. The listing of every endpoint
// (`pjsip show endpoints`) stays the check for the extensions the change did not touch.
import { effectiveOptions, parseConf } from '../compiler/conf-parse.js';
import { isSecretOption } from '../compiler/secrets-policy.js';
import type { CompiledModel } from '../compiler/types.js';
import type { AsteriskFailure, AsteriskOptions } from './asterisk.js';
import { showParameters } from './asterisk-objects.js';
import type { Target } from './target.js';
import { checkExtension, expectedObjects, type VerifyProblem } from './verify-objects.js';

/** At most this many `asterisk -rx` at once: enough to hide their latency, few enough for a busy PBX. */
export const VERIFY_PARALLEL = 4;

export type VerifyOutcome =
  | { ok: true; problems: VerifyProblem[]; objects: number }
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

/** Shows each object of `numbers` and compares it with the model; `conf` is the file Asterisk just reloaded. */
export async function verifyExtensions(target: Target, o: Partial<AsteriskOptions>, model: CompiledModel,
  conf: string, numbers: string[]): Promise<VerifyOutcome> {
  const wanted = new Set(numbers);
  const exts = model.extensions.filter((e) => wanted.has(e.number));
  if (!exts.length) return { ok: true, problems: [], objects: 0 };
  const credentials = sectionCredentials(conf, wanted);
  const jobs = exts.flatMap((ext) => expectedObjects(ext).map((obj) => ({ ext: ext.number, obj })));
  const shown = new Map<string, Map<string, string> | null>();
  let failure: Extract<VerifyOutcome, { ok: false }> | undefined;
  await inPool(jobs, VERIFY_PARALLEL, async ({ obj }) => {
    const r = await showParameters(target, o, obj.kind, obj.id);
    if (!r.ok) {
      failure = { ok: false, failure: r, command: `pjsip show ${obj.kind} ${obj.id}` };
      return false;
    }
    shown.set(`${obj.kind} ${obj.id}`, r.value);
    return true;
  });
  if (failure) return failure;
  const problems = exts.flatMap((ext) => checkExtension(ext, shown, credentials.get(ext.number) ?? new Map()));
  return { ok: true, problems, objects: jobs.length };
}
