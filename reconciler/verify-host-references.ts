// Before the write: what an added or changed extension names on the PBX host and only the host can
// confirm (the compiler warns HOST_REFERENCE for these). Asterisk 22.10.1 drops the endpoint when a
// DTLS file is unreadable (rtp_engine.c ast_rtp_dtls_cfg_parse) or a geolocation profile is unknown,
// or res_geolocation is not loaded (pjsip_configuration.c sip_endpoint_apply_handler); a named ACL
// acl.conf lacks keeps the endpoint but "will automatically fail if applied" (named_acl.c) — every
// request refused. Unchanged extensions are not looked at: a section whose text did not change is
// not applied again by a reload.
import type { ExtensionModel } from '../compiler/types.js';
import { clip, query, type AsteriskOptions } from './asterisk.js';
import { asteriskError, stalled, targetError } from './errors.js';
import type { Target } from './target.js';

export const HOST_FILE_OPTIONS = ['endpoint/dtls_cert_file', 'endpoint/dtls_private_key', 'endpoint/dtls_ca_file', 'endpoint/dtls_ca_path'];
export const GEOLOC_OPTIONS = ['endpoint/geoloc_incoming_call_profile', 'endpoint/geoloc_outgoing_call_profile'];
export const ACL_OPTIONS = ['endpoint/acl', 'endpoint/contact_acl'];

export interface HostReference { extension: string; option: string; name: string }

export interface MissingReference extends HostReference { why: string }

/** Every host reference the extensions make, by kind. */
export function hostReferences(exts: ExtensionModel[]): { files: HostReference[]; geoloc: HostReference[]; acls: HostReference[] } {
  const pick = (options: string[], split: boolean) => exts.flatMap((e) => options.flatMap((option) => {
    const v = e.options[option];
    if (v === undefined || v.trim() === '') return [];
    const names = split ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v.trim()];
    return names.map((name) => ({ extension: e.number, option, name }));
  }));
  // dtls_* files are checked whatever media_encryption says: Asterisk parses (and refuses) them regardless
  return { files: pick(HOST_FILE_OPTIONS, false), geoloc: pick(GEOLOC_OPTIONS, false), acls: pick(ACL_OPTIONS, true) };
}

// One `sh` for every path, the paths as its arguments (never in the script). The test runs as the
// tool's user on the target (the SSH user, or root in a container); Asterisk's runuser may differ, so
// a file readable here can still be unreadable to Asterisk — the post-reload verify catches that.
const FILE_CHECK = 'for p; do if [ ! -e "$p" ]; then echo "missing $p"; elif [ ! -r "$p" ]; then echo "unreadable $p"; fi; done';

async function missingFiles(target: Target, refs: HostReference[], timeoutMs: number): Promise<MissingReference[]> {
  if (!refs.length) return [];
  const paths = [...new Set(refs.map((r) => r.name))];
  let r;
  try {
    r = await target.exec(['sh', '-c', FILE_CHECK, 'sh', ...paths], timeoutMs);
  } catch (err) {
    throw targetError(err, `checking the DTLS files on ${target.describe}`);
  }
  if (r.timedOut || r.code !== 0) throw targetError(new Error(clip(`exit ${r.code}: ${r.stderr}`)), `checking the DTLS files on ${target.describe}`);
  const bad = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(missing|unreadable) (.*)$/.exec(line);
    if (m) bad.set(m[2]!, m[1] === 'missing' ? 'does not exist' : 'is not readable');
  }
  return refs.filter((x) => bad.has(x.name)).map((x) => ({ ...x, why: `file ${x.name} ${bad.get(x.name)} on the host` }));
}

/** `geoloc list profiles` (res_geolocation/geoloc_config.c): the ids, null when it is not that table. */
export function parseGeolocProfiles(text: string): Set<string> | null {
  if (!/^Geolocation Profile Objects:/m.test(text) || !/^Total Profile Objects: \d+/m.test(text)) return null;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^=+\s*$/.test(l));
  const ids = new Set<string>();
  for (const l of lines.slice(start + 1)) {
    if (/^Total Profile Objects:/.test(l)) break;
    const id = l.split(/\s+/)[0];
    if (id) ids.add(id);
  }
  return ids;
}

/** `acl show` (main/named_acl.c): the named ACLs of acl.conf, an empty set without one. Null when not that text. */
export function parseAclNames(text: string): Set<string> | null {
  const lines = text.split('\n').map((l) => l.trim());
  const head = lines.indexOf('acl');
  if (head < 0 || lines[head + 1] !== '---') return null;
  const names = new Set<string>();
  for (const l of lines.slice(head + 2)) {
    if (!l || l === "ACL configuration isn't available.") continue;
    names.add(l.toLowerCase()); // named_acl.c finds a name ignoring case
  }
  return names;
}

/** What the added and changed extensions name on the host and the host lacks; throws a PassError when it cannot be asked. */
export async function missingHostReferences(target: Target, o: Partial<AsteriskOptions> & { timeoutMs: number }, exts: ExtensionModel[]): Promise<MissingReference[]> {
  const refs = hostReferences(exts);
  const out = await missingFiles(target, refs.files, o.timeoutMs);
  if (refs.geoloc.length) {
    const r = await query(target, o, 'geoloc list profiles', parseGeolocProfiles);
    // the command exists only while res_geolocation is loaded: without it every profile is missing
    if (!r.ok && r.reason !== 'no-such-command') throw asteriskError(r, "'geoloc list profiles'");
    for (const ref of refs.geoloc) {
      if (!r.ok) out.push({ ...ref, why: `res_geolocation is not loaded, so profile ${ref.name} cannot exist` });
      else if (!r.value.has(ref.name)) out.push({ ...ref, why: `no geolocation profile ${ref.name} (geolocation.conf)` });
    }
  }
  if (refs.acls.length) {
    const r = await query(target, o, 'acl show', parseAclNames);
    if (!r.ok) throw asteriskError(r, "'acl show'");
    // realtime ACLs (extconfig `acls`) are not listed: a host using them would see a false refusal here
    for (const ref of refs.acls) if (!r.value.has(ref.name.toLowerCase())) out.push({ ...ref, why: `no named ACL ${ref.name} (acl.conf)` });
  }
  return out;
}

export function refuseMissing(missing: MissingReference[]): Error {
  const text = missing.slice(0, 10).map((m) => `${m.extension} ${m.option}: ${m.why}`).join('; ');
  return stalled('HostReferenceMissing', `${text}${missing.length > 10 ? `; and ${missing.length - 10} more` : ''}. ` +
    'Asterisk would drop the endpoint (or, for an ACL, refuse every request to it); fix the host or the commit, then the next pass retries');
}
