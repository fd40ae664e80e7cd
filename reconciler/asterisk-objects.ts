// The read-only `pjsip show` listings `inspect` and verify need beyond `pjsip show endpoints`: aors,
// auths (ids only: inspect never runs `pjsip show auth <id>`, which prints the password), identifies,
// registrations, contacts, one contact, one aor, and the transport each endpoint of `pjsip show
// endpoints` uses; and any one object's rows, for the pass's verify (which compares an auth's
// password and never prints it). Layouts as Asterisk 22.10.1 prints them.
import { clip, parseEndpointParameters, query, type AsteriskOptions, type Outcome } from './asterisk.js';
import { redactCliRows } from '../compiler/secrets-policy.js';
import type { Target } from './target.js';

const LISTING = /^\s*Objects found:\s*(\d+)\s*$/m;
const NONE = /^\s*No objects found\.\s*$/;

/**
 * `pjsip show aors|auths|identifies`: the ids of the `Aor:` / `Auth:` / `Identify:` rows. Null when not
 * such a listing, or when its `Objects found: N` does not match the rows (cut output).
 */
export function parseObjectIds(text: string, label: 'Aor' | 'Auth' | 'Identify'): Set<string> | null {
  if (NONE.test(text)) return new Set();
  const count = LISTING.exec(text);
  if (!count) return null;
  const ids = new Set<string>();
  for (const m of text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'gm'))) {
    const field = m[1]!;
    if (field.startsWith('<')) continue; // the legend row
    // an auth row is `<id>/<username>`, an identify row `<id>/<endpoint>`; an aor row is the id alone.
    // The wizard's ids have no `/` (section names are [0-9A-Za-z_-]); a user name may.
    ids.add(label === 'Aor' || !field.includes('/') ? field : field.slice(0, field.indexOf('/')));
  }
  return ids.size === Number(count[1]) ? ids : null;
}

/**
 * `pjsip show registrations` (res_pjsip_outbound_registration.c): below the legend, one row per
 * registration, `<id>/<server uri>  <auth>  <status>`, with no label. Null as parseObjectIds.
 */
export function parseRegistrationIds(text: string): Set<string> | null {
  if (NONE.test(text)) return new Set();
  const count = LISTING.exec(text);
  const rule = text.search(/^=+\s*$/m);
  if (!count || rule < 0) return null;
  const ids = new Set<string>();
  for (const line of text.slice(rule).split('\n').slice(1)) {
    const m = /^\s*([^\s/]+)\/\S*/.exec(line);
    if (m && !LISTING.test(line)) ids.add(m[1]!);
  }
  return ids.size === Number(count[1]) ? ids : null;
}

export interface ContactRow {
  aor: string;
  /** as listed: Asterisk cuts a long URI to the column's width */
  uri: string;
  /** the first 10 hex digits of the contact's id hash */
  hash: string;
  /** Avail, Unavail, NonQual (qualify off), Unknown, Created, Removed */
  status: string;
  /** round-trip time of the last qualify; null when not qualified */
  rttMs: number | null;
}

const CONTACT_ROW = /^\s*Contact:\s+(\S+)\s+([0-9a-f]+)\s+(\S+)\s+(\S+)\s*$/;

/** `Contact:` rows of `pjsip show contacts`, `pjsip show aor <id>` or `pjsip show endpoint(s)`. */
export function contactRows(text: string): ContactRow[] {
  const out: ContactRow[] = [];
  for (const line of text.split('\n')) {
    const m = CONTACT_ROW.exec(line);
    if (!m || m[1]!.startsWith('<')) continue;
    const slash = m[1]!.indexOf('/');
    if (slash < 0) continue;
    const rtt = Number(m[4]);
    out.push({ aor: m[1]!.slice(0, slash), uri: m[1]!.slice(slash + 1), hash: m[2]!, status: m[3]!, rttMs: Number.isFinite(rtt) ? rtt : null });
  }
  return out;
}

/** `pjsip show contacts`; null when not such a listing or when rows are missing. */
export function parseContacts(text: string): ContactRow[] | null {
  if (NONE.test(text)) return [];
  const count = LISTING.exec(text);
  if (!count) return null;
  const rows = contactRows(text);
  return rows.length === Number(count[1]) ? rows : null;
}

/** `pjsip show endpoints`: endpoint id → the transport its `Transport:` row names ('' when none). */
export function parseEndpointTransports(text: string): Map<string, string> | null {
  if (NONE.test(text)) return new Map();
  if (!LISTING.test(text)) return null;
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const ep = /^\s*Endpoint:\s+(\S+)/.exec(line);
    if (ep) {
      current = ep[1]!.startsWith('<') ? undefined : ep[1]!.split('/')[0]!;
      if (current !== undefined) out.set(current, '');
      continue;
    }
    const tr = /^\s*Transport:\s+(\S+)\s+\S+/.exec(line);
    if (tr && current !== undefined && !tr[1]!.startsWith('<')) out.set(current, tr[1]!);
  }
  return out;
}

// an id or URI becomes one word of one CLI line: no blank, quote or backslash can add words to it
const safeWord = (s: string) => /^[^\s"'\\]{1,512}$/.test(s);

export function showAors(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Set<string>>> {
  return listObjectIds(t, o, 'aor');
}

export function showAuths(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Set<string>>> {
  return listObjectIds(t, o, 'auth');
}

/** The kinds verify lists (endpoints come from `pjsip show endpoints`, read by the caller). */
export type ListedKind = 'aor' | 'auth' | 'identify' | 'registration';

const LISTINGS: Record<ListedKind, { command: string; read: (text: string) => Set<string> | null }> = {
  aor: { command: 'pjsip show aors', read: (s) => parseObjectIds(s, 'Aor') },
  auth: { command: 'pjsip show auths', read: (s) => parseObjectIds(s, 'Auth') },
  identify: { command: 'pjsip show identifies', read: (s) => parseObjectIds(s, 'Identify') },
  registration: { command: 'pjsip show registrations', read: parseRegistrationIds },
};

export const listingCommand = (kind: ListedKind): string => LISTINGS[kind].command;

/** The ids of every loaded object of one kind: one command, whatever the PBX's size. */
export function listObjectIds(t: Target, o: Partial<AsteriskOptions>, kind: ListedKind): Promise<Outcome<Set<string>>> {
  return query(t, o, LISTINGS[kind].command, LISTINGS[kind].read);
}

export function showContacts(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<ContactRow[]>> {
  return query(t, o, 'pjsip show contacts', parseContacts);
}

export function showEndpointTransports(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Map<string, string>>> {
  return query(t, o, 'pjsip show endpoints', parseEndpointTransports);
}

export type ShownKind = 'endpoint' | 'aor' | 'auth' | 'identify' | 'registration' | 'contact';

/**
 * One object's `ParameterName : value` rows (`pjsip show aor <id>`, `pjsip show auth <id>`,
 * `pjsip show contact <aor>/<uri>`, …); null when Asterisk has none. An auth's rows include its
 * password in clear: the caller gets them to compare, while the command's output (which may reach a
 * log or a message) has every credential row redacted.
 */
export async function showParameters(t: Target, o: Partial<AsteriskOptions>, what: ShownKind, id: string): Promise<Outcome<Map<string, string> | null>> {
  if (!safeWord(id)) return { ok: false, reason: 'unexpected-output', detail: clip(`not a ${what} id: ${id}`) };
  const r = await query(t, o, `pjsip show ${what} ${id}`, (s) => {
    const p = parseEndpointParameters(s);
    return p === undefined ? null : { params: p };
  }, redactCliRows);
  return r.ok ? { ok: true, value: r.value.params, output: r.output } : r;
}

export function showAor(t: Target, id: string, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Map<string, string> | null>> {
  return showParameters(t, o, 'aor', id);
}

/** `pjsip show contact <aor>/<full uri>`: user_agent, via_addr, via_port … */
export function showContact(t: Target, aor: string, uri: string, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Map<string, string> | null>> {
  return showParameters(t, o, 'contact', `${aor}/${uri}`);
}
