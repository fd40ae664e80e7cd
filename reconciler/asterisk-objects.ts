// The read-only `pjsip show` listings `inspect` and verify need beyond `pjsip show endpoints`: aors,
// auths (ids only: inspect never runs `pjsip show auth <id>`, which prints the password), identifies,
// registrations, contacts, one contact, one aor, and the transport each endpoint of `pjsip show
// endpoints` uses; and any one object's rows, for the pass's verify (which compares an auth's
// password and never prints it). Layouts as Asterisk 22.10.1 prints them.
import { clip, DEFAULT_ASTERISK_OPTIONS, parseEndpointParameters, parseEndpoints, query, type AsteriskOptions, type Outcome } from './asterisk.js';
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

/**
 * A listing of every object is split in parts from this many objects on. The time Asterisk takes
 * for one grows faster than the number of objects, and while it prints one an unrelated phone's
 * REGISTER may wait: measured on a real Asterisk 22.10.1 with 10,000 endpoints (a loaded 2-core
 * host), `pjsip show endpoints` used 5.9-8.8 s of Asterisk's CPU and `pjsip list endpoints` 3.1-6.4 s,
 * with REGISTERs sent every 200 ms left unanswered for seconds; the same ids in the 11 parts below,
 * one after the other, 1.1-1.4 s, every REGISTER answered. Below it one command is cheaper than 11.
 */
export const SPLIT_LISTING_FROM = 2_000;

/**
 * The parts (`… like <regex>`, POSIX extended, matched against the id; res_sorcery_config reads it
 * with regcomp): by the id's LAST DIGIT, and ids without a digit. Each id is in exactly one part, so
 * together they list every object once; `7000`, `7000-iauth` and `7000-reg-0`-like ids spread evenly.
 */
export const LISTING_PARTS: readonly string[] = [...'0123456789'].map((d) => `${d}[^0-9]*$`).concat('^[^0-9]*$');

/**
 * Runs `command` (a listing of every object of one kind) and reads it; from `expected` objects on
 * (SPLIT_LISTING_FROM), as its LISTING_PARTS one after the other, their ids merged. `o.timeoutMs`
 * bounds the whole listing, every part included.
 */
export async function splitListing<T extends Set<string> | Map<string, string>>(t: Target, o: Partial<AsteriskOptions>,
  command: string, read: (text: string) => T | null, expected: number): Promise<Outcome<T>> {
  if (expected < SPLIT_LISTING_FROM) return query(t, o, command, read);
  const deadline = performance.now() + (o.timeoutMs ?? DEFAULT_ASTERISK_OPTIONS.timeoutMs);
  let merged: T | undefined;
  const outputs: string[] = [];
  for (const part of LISTING_PARTS) {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) return { ok: false, reason: 'timeout', detail: clip(`'${command}' not listed within ${o.timeoutMs ?? DEFAULT_ASTERISK_OPTIONS.timeoutMs} ms (in ${LISTING_PARTS.length} parts)`) };
    const r = await query(t, { ...o, timeoutMs: left }, `${command} like ${part}`, read);
    if (!r.ok) return r;
    outputs.push(r.output);
    if (!merged) merged = r.value;
    else if (merged instanceof Map) for (const [k, v] of r.value as Map<string, string>) merged.set(k, v);
    else for (const k of r.value as Set<string>) merged.add(k);
  }
  return { ok: true, value: merged!, output: outputs.join('') };
}

/**
 * The loaded endpoints, endpoint id → callerid number (as `parseEndpoints` reads the `Endpoint:`
 * rows): the proof, after a reload, that each endpoint is loaded and that removed ones are gone.
 * `pjsip list endpoints` prints the same `Endpoint:` row per endpoint as `pjsip show endpoints`,
 * without the aor, auth, contact and transport rows under it (10,000 lines and 0.9 MB at 10,000
 * instead of 50,000 and 2.6 MB); from SPLIT_LISTING_FROM `expected` endpoints on, in parts.
 */
export function listEndpoints(t: Target, o: Partial<AsteriskOptions>, expected: number): Promise<Outcome<Map<string, string>>> {
  return splitListing(t, o, 'pjsip list endpoints', parseEndpoints, expected);
}

/** The kinds verify lists (endpoints come from listEndpoints, read by the caller). */
export type ListedKind = 'aor' | 'auth' | 'identify' | 'registration';

const LISTINGS: Record<ListedKind, { command: string; read: (text: string) => Set<string> | null }> = {
  aor: { command: 'pjsip show aors', read: (s) => parseObjectIds(s, 'Aor') },
  auth: { command: 'pjsip show auths', read: (s) => parseObjectIds(s, 'Auth') },
  identify: { command: 'pjsip show identifies', read: (s) => parseObjectIds(s, 'Identify') },
  registration: { command: 'pjsip show registrations', read: parseRegistrationIds },
};

export const listingCommand = (kind: ListedKind): string => LISTINGS[kind].command;

/**
 * The ids of every loaded object of one kind: one command, or its parts when `expected` (about how
 * many objects of the kind Asterisk has) reaches SPLIT_LISTING_FROM.
 */
export function listObjectIds(t: Target, o: Partial<AsteriskOptions>, kind: ListedKind, expected = 0): Promise<Outcome<Set<string>>> {
  return splitListing(t, o, LISTINGS[kind].command, LISTINGS[kind].read, expected);
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
