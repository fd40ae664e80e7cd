// The pure half of verifying a changed extension: which objects the wizard makes for it, and what
// each must show. res_pjsip_config_wizard.c (schemas/pjsip-options-22.json `objects.<kind>.wizard`,
// asterisk/BEHAVIOR.md "What the wizard makes") makes, for a section `<n>`:
//   endpoint <n>, always; aor <n>, always;
//   auth <n>-iauth with accepts_auth, <n>-oauth with sends_auth and outbound_auth/username (sends_auth
//   without that username makes NEITHER auth: handle_auths stops at the failed outbound one);
//   identify <n>-identify with remote_hosts, unless accepts_registrations or sends_line_with_registrations;
//   registration <n>-reg-<i> per remote_hosts entry with sends_registrations.
// A value an object's parser refuses drops that object alone, and the reload still says it
// succeeded; a changed section whose new text fails keeps its OLD object. So existence (every object,
// from the listings) and values (shown one object at a time, reconciler/verify-sample.ts says which).
import { isTrue } from '../compiler/catalog.js';
import type { ExtensionModel } from '../compiler/types.js';
import type { ShownKind } from './asterisk-objects.js';
import { notCompared, sameCodecs, sameShown, WEBRTC_SETS } from './verify-values.js';

export interface ExpectedObject { kind: ShownKind; id: string; /** the option prefix whose values it shows ('' for none) */ prefix: string }

export function expectedObjects(ext: ExtensionModel): ExpectedObject[] {
  const o = ext.options;
  const t = (k: string) => o[k] !== undefined && isTrue(o[k]!);
  const n = ext.number;
  const hosts = (o.remote_hosts ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const out: ExpectedObject[] = [{ kind: 'endpoint', id: n, prefix: 'endpoint/' }, { kind: 'aor', id: n, prefix: 'aor/' }];
  const oauthUser = !!o['outbound_auth/username'];
  if (t('accepts_auth') && !(t('sends_auth') && !oauthUser)) out.push({ kind: 'auth', id: `${n}-iauth`, prefix: 'inbound_auth/' });
  if (t('sends_auth') && oauthUser) out.push({ kind: 'auth', id: `${n}-oauth`, prefix: 'outbound_auth/' });
  if (hosts.length && !t('accepts_registrations') && !t('sends_line_with_registrations')) out.push({ kind: 'identify', id: `${n}-identify`, prefix: 'identify/' });
  if (hosts.length && t('sends_registrations')) hosts.forEach((_, i) => out.push({ kind: 'registration', id: `${n}-reg-${i}`, prefix: 'registration/' }));
  return out;
}

/** A mismatch, naming the extension and the object or option; never a value of a credential. */
export interface VerifyProblem {
  extension: string;
  /** `aor 7000` for a missing object, else the option (`aor/max_contacts`, `name`, `codecs`, `inbound_auth/password`) */
  what: string;
  code: 'ObjectMissing' | 'ValueDiffers';
  /** what Asterisk shows ('' for credentials and missing objects) */
  shown: string;
}

/**
 * The expected objects of `ext` that a listing of their kind does not have (`listed`: kind → the
 * ids Asterisk lists: `pjsip show endpoints|aors|auths|identifies|registrations`).
 */
export function missingObjects(ext: ExtensionModel, listed: ReadonlyMap<ShownKind, ReadonlySet<string> | ReadonlyMap<string, unknown>>): VerifyProblem[] {
  return expectedObjects(ext).filter((obj) => !listed.get(obj.kind)?.has(obj.id))
    .map((obj) => ({ extension: ext.number, what: `${obj.kind} ${obj.id}`, code: 'ObjectMissing' as const, shown: '' }));
}

/**
 * Compares one extension with what Asterisk shows for each expected object (`shown`: `<kind> <id>` →
 * its rows, null when Asterisk has no such object; an endpoint and its aor share an id). `credentials`: the credential options of the file
 * Asterisk read (the model leaves them out), compared and never reported by value.
 */
export function checkExtension(ext: ExtensionModel, shown: Map<string, Map<string, string> | null>,
  credentials: Map<string, string>): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const n = ext.number;
  const objects = expectedObjects(ext);
  const rowsOf = new Map<string, Map<string, string>[]>();
  for (const obj of objects) {
    const rows = shown.get(`${obj.kind} ${obj.id}`);
    if (!rows) {
      problems.push({ extension: n, what: `${obj.kind} ${obj.id}`, code: 'ObjectMissing', shown: '' });
      continue;
    }
    rowsOf.set(obj.prefix, [...(rowsOf.get(obj.prefix) ?? []), rows]);
  }
  const compare = (what: string, prefix: string, row: string, same: (shown: string) => boolean, secret = false) => {
    for (const rows of rowsOf.get(prefix) ?? []) {
      const value = rows.get(row);
      // no such row on this object: nothing to read it from (listed in verify-values.ts NOT_COMPARED when known)
      if (value === undefined) continue;
      if (!same(value)) problems.push({ extension: n, what, code: 'ValueDiffers', shown: secret ? '' : value });
    }
  };
  const webrtc = isTrue(ext.options['endpoint/webrtc'] ?? 'no');
  for (const [key, value] of Object.entries(ext.options)) {
    const slash = key.indexOf('/');
    if (slash < 0 || notCompared(key)) continue;
    const prefix = key.slice(0, slash + 1);
    const row = key.slice(slash + 1);
    if (prefix === 'endpoint/' && webrtc && WEBRTC_SETS.has(row)) continue;
    compare(key, prefix, row, (s) => sameShown(key, value, s));
  }
  compare('name', 'endpoint/', 'callerid', (s) => s === `"${ext.name}" <${n}>`);
  if (ext.codecs.length) {
    compare('codecs', 'endpoint/', 'allow', (s) => { const l = /^\((.*)\)$/.exec(s.trim()); return !!l && sameCodecs(ext.codecs, l[1]!.split('|')); });
  }
  if (ext.transport) compare('transport', 'endpoint/', 'transport', (s) => s === ext.transport);
  if (ext.options.accepts_auth !== undefined) compare('inbound_auth/username', 'inbound_auth/', 'username', (s) => s === (ext.options['inbound_auth/username'] ?? n));
  for (const [key, value] of credentials) {
    const slash = key.indexOf('/');
    const row = key.slice(slash + 1);
    // only a plain password reads back as written; digests and tokens are shown re-encoded
    if (row === 'password') compare(key, key.slice(0, slash + 1), row, (s) => s === value.trim(), true);
  }
  return problems;
}

/** One line for a message: `7000: aor 7000 missing; 6010: aor/max_contacts is 4 in Asterisk`. */
export function describeProblems(problems: VerifyProblem[], max = 10): string {
  const text = problems.slice(0, max).map((p) => p.code === 'ObjectMissing' ? `${p.extension}: ${p.what} missing`
    : p.shown === '' ? `${p.extension}: ${p.what} differs in Asterisk` : `${p.extension}: ${p.what} is ${JSON.stringify(p.shown)} in Asterisk`);
  return `${text.join('; ')}${problems.length > max ? `; and ${problems.length - max} more` : ''}`;
}
