// Before anything is written: the safety guards, then a look at the host — every transport the
// file names must exist in pjsip.conf (tls/wss ones as such, tls ones with a valid certificate), the
// codecs templates prefer must be translatable, and the DTLS files, geolocation profiles and named
// ACLs that added or changed extensions name must exist there (reconciler/verify-host-references.ts).
import { showTranslatableCodecs, showTransports, type Outcome } from '../asterisk.js';
import { asteriskError, stalled } from '../errors.js';
import { missingHostReferences, refuseMissing } from '../verify-host-references.js';
import { checkSecureTransports } from './transport-tls.js';
import { effectivePolicy, refusals, type GuardPolicy } from '../../compiler/plan/guards.js';
import type { Checked, PassRun } from './types.js';

/** The guards in force: site.yaml's `guards:` (reviewed with the change, read by `plan` too), tightened by the host config's. */
export function guardPolicy(pass: PassRun, model: Checked['compiled']['model']): GuardPolicy {
  return effectivePolicy(model.guards, pass.deps.config.guards);
}

/** The safety guards on the change: too many removals, or a file with no extensions, is refused (stalled). */
export function checkGuards(pass: PassRun, input: Checked): void {
  const removed = input.changes.removed;
  const policy = guardPolicy(pass, input.compiled.model);
  // the same evaluation `plan` runs on the pull request, so what it predicted is what the host does
  const refused = refusals({ removed, extensions: input.compiled.model.extensions.length }, policy);
  if (!refused.length) return;
  const why = refused.map((r) => r.code === 'MAX_DELETIONS'
    ? `refusing to remove ${removed.length} extensions in one pass (guards.maxDeletions is ${r.limit}): ${list(removed)}. ` +
      'If this is intended, raise guards.maxDeletions in site.yaml (the host config can only lower it) or remove them in smaller commits'
    : `refusing to write a file with no extensions (it would remove ${removed.length} from Asterisk); ` +
      'set guards.allowEmpty: true in site.yaml if that is intended');
  throw stalled('GuardRefused', why.join('; '));
}

function list(names: readonly string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
}

function answer<T>(o: Outcome<T>, command: string): T {
  if (!o.ok) throw asteriskError(o, `'${command}'`);
  return o.value;
}

/** The host can run what the file names: its transports (tls/wss as such, with valid certificates) and its preferred codecs. */
export async function checkHost(pass: PassRun, input: Checked): Promise<void> {
  const { target, config, log } = pass.deps;
  const model = input.compiled.model;
  const needed = Object.entries(model.transports);
  if (needed.length) {
    const listed = answer(await showTransports(target, config.asterisk), 'pjsip show transports');
    const present = new Map(listed.map((t) => [t.name, t.protocol]));
    const missing = needed.filter(([name]) => !present.has(name)).map(([name, t]) => `${name} (${t.protocol})`);
    if (missing.length) {
      throw stalled('TransportMissing', `Asterisk has no transport ${missing.join(', ')}: endpoints on it would load but never work. ` +
        'Define it in pjsip.conf (a new transport needs an Asterisk restart), or change the template\'s transport');
    }
    await checkSecureTransports(pass, needed, listed);
    const wrong = needed.filter(([name, t]) => present.get(name) !== t.protocol);
    for (const [name, t] of wrong) {
      pass.warnings.push(`transport ${name} is ${present.get(name)} on the host but site.yaml declares ${t.protocol}`);
    }
  }
  const preferred = Object.entries(model.preferredCodecs);
  const distinct = new Set(preferred.map(([, c]) => c));
  if (preferred.length) {
    const translatable = answer(await showTranslatableCodecs(target, config.asterisk), 'core show translation');
    const stuck = preferred.filter(([, codec]) => !translatable.has(codec));
    if (stuck.length && distinct.size > 1) {
      // a call between two templates preferring different codecs needs one of them transcoded
      throw stalled('CodecUntranslatable', `Asterisk cannot transcode ${[...new Set(stuck.map(([, c]) => c))].join(', ')} ` +
        `(preferred first by template ${stuck.map(([t]) => t).join(', ')}), while other templates prefer ${[...distinct].filter((c) => !stuck.some(([, s]) => s === c)).join(', ')}: ` +
        'calls between them would be answered and drop at once. Put a codec both sides share first');
    }
    for (const [template, codec] of stuck) {
      pass.warnings.push(`template ${template} prefers ${codec}, which this Asterisk cannot transcode`);
    }
  }
  const touched = new Set([...input.changes.added, ...input.changes.changed]);
  const missing = await missingHostReferences(target, config.asterisk, model.extensions.filter((e) => touched.has(e.number)));
  if (missing.length) throw refuseMissing(missing);
  for (const w of pass.warnings) log.warn('host.warning', { message: w });
}
