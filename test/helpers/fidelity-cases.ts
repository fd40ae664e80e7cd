// Configurations for the differential test (test/real/fidelity.test.ts): every option of the catalog
// with representative valid, boundary and invalid values of its kind, one option per extension. The
// values are chosen from the option's type and grammar, not from what the compiler happens to accept.
import catalog from '../../schemas/pjsip-options-22.json' with { type: 'json' };

/** The site template an extension uses: each makes the object its option belongs to. */
export type Context = 'phone' | 'trunk' | 'ident' | 'reg' | 'bare';

export interface Case {
  /** extension number, unique in a run */
  number: string;
  context: Context;
  /** the raw wizard option (empty for name/password cases) */
  key: string;
  value: string;
  /** the display name (`name:`) and password (`auth: { password }`) of the extension */
  name: string;
  password: string;
  /** what the case is about, for the disagreement table */
  what: 'option' | 'name' | 'password';
}

interface CatalogOption { type: string; enum?: string[]; default?: string; c?: { range?: [number, number] };
  codeValues?: { values?: string[]; list?: string; boolValues?: string } ; list?: string; enumParams?: Record<string, string[]> }
const objects = catalog.objects as unknown as Record<string, { options: Record<string, CatalogOption>; freeform?: boolean }>;

const BOOLS = [...catalog.boolValues.true, ...catalog.boolValues.false];
const LONG = (n: number, c = 'x') => c.repeat(n);
const HEX32 = '0123456789abcdef0123456789abcdef';
const HEX64 = HEX32 + HEX32;

// Values every option gets, whatever its kind: they probe the parser, not the option.
const COMMON = ['', 'a;b', 'a,b', 'with space', 'é', LONG(80), LONG(128), LONG(300), '#x', '"q"', 'a\\b', '${EXTEN}'];
const NUMBERS = ['0', '1', '5', '-1', '07', '010', '0009', '0x10', '+5', '1e3', '1.5', ' 5', 'abc', '4294967295', '4294967296',
  '89', '90', '1024', '65535', '65536', '86400', '86401', '3600', '999999999999'];
const DOUBLES = ['0', '3', '3.0', '.5', '5.', '1e3', '-1', 'inf', 'nan', '0x10', '+2', '1,5', 'abc', '2.5'];

/** Values of one option's own grammar (custom handlers), where the type alone says too little. */
const SPECIAL: Record<string, string[]> = {
  'endpoint/callerid_privacy': ['0', '1', '3', '32', '35', '67', '99', '-1', 'ALLOWED', 'prohib', 'allowedx'],
  'endpoint/tos_audio': ['CS0', 'ef', 'EF', 'af41', 'AF42', '0', '46', '184', '255', '256', '-1', '0x10', '010', 'abc', 'cs8'],
  'endpoint/tos_video': ['AF41', 'cs3', '0', '184', '256', '0x2e', 'abc'],
  'endpoint/deny': ['0.0.0.0/0', '127.0.0.1', '10.0.0.0/8', '192.168.1.0/255.255.255.0', '::1', '::/0', '10.0.0.0/33', '10.0.0.1/8', 'abc', '1.2.3.4,5.6.7.8', '!10.0.0.1', '10.0.0.300', 'localhost'],
  'endpoint/permit': ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32', '1.2.3.4, 5.6.7.8', '256.1.1.1', '10.0.0.0/', 'host.invalid'],
  'endpoint/contact_deny': ['0.0.0.0/0.0.0.0', '10.0.0.0/8', 'x'],
  'endpoint/contact_permit': ['127.0.0.1/32', '1.2.3.4/24', 'x'],
  'endpoint/acl': ['myacl', 'a,b', LONG(79, 'a'), LONG(80, 'a')],
  'endpoint/contact_acl': ['myacl', LONG(79, 'a'), LONG(80, 'a')],
  'endpoint/call_group': ['1', '1,3', '1-3', '0-63', '63', '64', '-1', 'a', '1,a', '01', '3-1', ' 2', '1, 2'],
  'endpoint/pickup_group': ['0', '5-7,9', '64', 'x', '1-64'],
  'endpoint/named_call_group': ['sales', 'a,b', 'Sales Team', LONG(80, 'g')],
  'endpoint/named_pickup_group': ['support', 'a,,b'],
  'endpoint/set_var': ['A=1', 'A=', '=1', 'A', 'A=b=c', 'A= b', 'A =b', 'CALLERID(name)=x'],
  'endpoint/from_user': ['1000', 'user name', 'a@b', 'a#b', 'a"b', 'a\\b', "a-._~%!$&'()*+,=:b", 'a;b', 'é'],
  'endpoint/from_domain': ['example.com', 'a b'],
  'endpoint/media_address': ['127.0.0.1', '::1', '[::1]', 'host.example', '1.2.3.4:5000', 'a b'],
  'endpoint/dtls_rekey': ['0', '60', '-1', '010', '0x10', '+5', 'abc', '4294967296', '1.5'],
  'endpoint/dtls_cipher': ['AES128-SHA', 'ALL'],
  'endpoint/dtls_cert_file': ['@existing', '/nonexistent/cert.pem'],
  'endpoint/dtls_private_key': ['@existing', '/nonexistent/key.pem'],
  'endpoint/dtls_ca_file': ['@existing', '/nonexistent/ca.pem'],
  'endpoint/dtls_ca_path': ['@existing-dir', '/nonexistent/ca'],
  'endpoint/geoloc_incoming_call_profile': ['none', 'office'],
  'endpoint/geoloc_outgoing_call_profile': ['office'],
  'endpoint/voicemail_extension': ['*97', '1000'],
  'aor/voicemail_extension': ['*97'],
  'endpoint/mailboxes': ['1000@default', '1000@default,1001', '1000'],
  'aor/mailboxes': ['1000@default', '1000'],
  'endpoint/outbound_auth': ['x', 'a,b', LONG(127, 'o'), LONG(128, 'o')],
  'endpoint/auth': ['x', 'a,b'],
  'endpoint/aors': ['x'],
  'endpoint/context': ['internal', 'default', 'from-internal', LONG(79, 'c'), LONG(80, 'c')],
  'endpoint/subscribe_context': ['internal', LONG(79, 'c'), LONG(80, 'c')],
  'endpoint/message_context': ['messages', LONG(80, 'c')],
  'endpoint/overlap_context': ['internal', LONG(80, 'c')],
  'endpoint/incoming_mwi_mailbox': ['1000@default'],
  'endpoint/security_mechanisms': ['msrp-tls', 'sdes-srtp', 'dtls-srtp', 'sdes-srtp\\;q=0.1', 'msrp-tls,sdes-srtp', 'bogus'],
  'registration/security_mechanisms': ['msrp-tls', 'sdes-srtp', 'bogus'],
  'endpoint/sdp_owner': ['-', 'root', 'a b'],
  'endpoint/sdp_session': ['Asterisk', ' '],
  'endpoint/rtp_engine': ['asterisk', 'bogus'],
  'endpoint/tone_zone': ['us', 'de', 'xx'],
  'endpoint/language': ['en', 'de', 'en_US'],
  'endpoint/moh_suggest': ['default', 'jazz'],
  'endpoint/outbound_proxy': ['sip:127.0.0.1;lr', 'sip:proxy.example.com', 'abc'],
  'aor/outbound_proxy': ['sip:127.0.0.1;lr', 'abc'],
  'endpoint/transport': ['transport-udp', 'nosuch'],
  'endpoint/contact_user': ['1000', 'a b'],
  'endpoint/accountcode': ['acct-1', LONG(80, 'a')],
  'endpoint/stir_shaken_profile': ['default', 'none'],
  'endpoint/tenantid': ['t1'],
  'endpoint/record_on_feature': ['automixmon', 'automon'],
  'endpoint/record_off_feature': ['automixmon'],
  'endpoint/mwi_from_user': ['1000'],
  'aor/contact': ['sip:127.0.0.1', 'sip:1000@127.0.0.1:5060', 'sips:a@example.com', 'tel:123', 'abc', 'sip:', '127.0.0.1',
    'sip:a@b,sip:c@d', 'SIP:a@b', `sip:${LONG(300, 'h')}`, 'sip:a b@c'],
  'inbound_auth/realm': ['asterisk', 'example.com'],
  'outbound_auth/realm': ['asterisk'],
  'outbound_auth/username': ['trunkuser', 'a b', 'a@b', LONG(80, 'u')],
  'outbound_auth/password': ['p;w#"\\= x', 'pw'],
  'inbound_auth/password_digest': [`MD5:${HEX32}`, `md5:${HEX32}`, `SHA-256:${HEX64}`, `SHA-512-256:${HEX64}`, HEX32, `MD5:${HEX32.slice(1)}`,
    `SHA-1:${HEX32}`, `MD5:${HEX32.toUpperCase()}`, `MD5: ${HEX32}`, `MD5:${HEX32},SHA-256:${HEX64}`, `MD5:${'g'.repeat(32)}`],
  'outbound_auth/password_digest': [`MD5:${HEX32}`, 'MD5:short'],
  'inbound_auth/md5_cred': [HEX32, HEX32.slice(2), HEX32.toUpperCase(), `MD5:${HEX32}`],
  'outbound_auth/md5_cred': [HEX32],
  'inbound_auth/supported_algorithms_uac': ['md5', 'sha-256', 'MD5', 'md5,sha-256', 'sha-512-256', 'SHA-256', 'sha256', 'x'],
  'inbound_auth/supported_algorithms_uas': ['md5', 'sha-256', 'md5, sha-256', 'sha-1', ''],
  'outbound_auth/supported_algorithms_uac': ['md5', 'bogus'],
  'inbound_auth/auth_type': ['MD5', 'Digest'],
  'inbound_auth/refresh_token': ['tok'],
  'inbound_auth/oauth_clientid': ['cid'],
  'inbound_auth/oauth_secret': ['sec'],
  'identify/match': ['127.0.0.1', '10.0.0.0/8', '127.0.0.1:5060', '::1', '[::1]:5060', '1.2.3.4,5.6.7.8', 'localhost', 'no.such.host.invalid',
    '10.0.0.0/33', 'abc def', '300.1.1.1', '10.0.0.1/255.0.0.0'],
  'identify/match_header': ['X-Foo: bar', 'X-Foo', 'X-Foo: /^b.*$/', 'X-Foo:'],
  'identify/match_request_uri': ['sip:a@b', '/^sip:.*/', 'abc'],
  'identify/endpoint': ['other'],
  'registration/client_uri': ['sip:a@example.com'],
  'registration/server_uri': ['sip:example.com'],
  'registration/contact_user': ['s', '1000', 'a b'],
  'registration/contact_header_params': ['x=1', 'a b'],
  'registration/outbound_auth': ['x', 'a,b'],
  'registration/outbound_proxy': ['sip:127.0.0.1;lr', 'abc'],
  'registration/transport': ['transport-udp', 'nosuch'],
  'registration/endpoint': ['other'],
  'registration/user_agent': ['MyUA/1.0'],
  remote_hosts: ['127.0.0.2', '127.0.0.2:5070', '127.0.0.2,127.0.0.3', 'host.invalid', '[::1]:5060', 'a b'],
  outbound_proxy: ['sip:127.0.0.1;lr', 'abc'],
  server_uri_pattern: ['sip:${REMOTE_HOST}', 'sip:x@${REMOTE_HOST}'],
  client_uri_pattern: ['sip:${USERNAME}@${REMOTE_HOST}'],
  contact_pattern: ['sip:${REMOTE_HOST}', 'sip:a@${REMOTE_HOST}'],
  hint_context: ['internal', 'nosuch'],
  hint_exten: ['1000', '_X.'],
  hint_application: ['Dial(PJSIP/1000)', 'Noop'],
};

/** Option names spelled otherwise: case-insensitive matching, typos, prefixes that do not exist. */
const NAME_PROBES: Array<[string, string, Context]> = [
  ['endpoint/Context', 'internal', 'phone'], ['Endpoint/context', 'internal', 'phone'], ['endpoint/CONTEXT', 'internal', 'phone'],
  ['aor/Max_Contacts', '3', 'phone'], ['Accepts_Registrations', 'yes', 'phone'],
  ['endpoint/no_such_option', '1', 'phone'], ['aor/no_such_option', '1', 'phone'], ['inbound_auth/no_such_option', '1', 'phone'],
  ['outbound_auth/no_such_option', '1', 'trunk'], ['identify/no_such_option', '1', 'ident'], ['registration/no_such_option', '1', 'reg'],
  ['no_such_wizard_option', '1', 'phone'], ['nosuchprefix/context', 'x', 'phone'],
  // options whose object this section does not make
  ['identify/match', '127.0.0.1', 'phone'], ['identify/srv_lookups', 'no', 'phone'], ['registration/expiration', '600', 'phone'],
  ['registration/retry_interval', '30', 'trunk'], ['outbound_auth/realm', 'x', 'phone'], ['outbound_auth/username', 'u', 'phone'],
  // options across the line the wizard draws
  ['sends_auth', 'yes', 'phone'], ['sends_registrations', 'yes', 'phone'], ['sends_registrations', 'yes', 'trunk'],
  ['accepts_registrations', 'no', 'phone'], ['remote_hosts', '127.0.0.2', 'phone'], ['has_phoneprov', 'yes', 'phone'],
  ['sends_line_with_registrations', 'yes', 'reg'], ['has_hint', 'yes', 'phone'],
];

const NAMES = ['Alice', 'A<b>', 'a<6001>', 'a\\b', 'é ü', LONG(79, 'n'), LONG(80, 'n'), 'x"y', 'Desk; 2', 'a#b', 'tab\there', ' lead', 'trail ', '   '];
const PASSWORDS = ['p;w', 'p#w', 'p"w', 'p\\w', 'p=w', 'inner space', 'tab\there', 'ünï€ødé', LONG(81, 'P'), LONG(200, 'q'),
  'ab\\;cd#ef "x"', ' lead', 'trail ', '   ', 'Maja1234'];

function valuesFor(key: string, o: CatalogOption): string[] {
  const out = new Set<string>(COMMON);
  if (o.default !== undefined && !/[()]/.test(o.default) && o.default !== 'endpoint/context or \'default\'') out.add(o.default);
  const t = o.type;
  const allowed = o.codeValues?.values ?? o.enum;
  if (t === 'bool' || o.codeValues?.boolValues) {
    for (const b of BOOLS) out.add(b);
    for (const b of ['YES', 'True', 'oN', 'yep', 'nope', '2', 'y es', 'enabled']) out.add(b);
  }
  if (t === 'uint' || t === 'int') {
    for (const n of NUMBERS) out.add(n);
    const r = o.c?.range;
    if (r) for (const n of [r[0] - 1, r[0], r[1], r[1] + 1]) out.add(String(n));
  }
  if (t === 'double') for (const n of DOUBLES) out.add(n);
  if (t === 'codec-list') for (const c of ['ulaw', 'ulaw,alaw', 'ulaw|alaw', '!ulaw', 'all', 'ulaw:20', 'nosuch', 'ULAW', 'opus,g722', 'ulaw,,alaw', 'g729', 'all,!ulaw']) out.add(c);
  if (allowed) {
    for (const v of allowed) { out.add(v); out.add(v.toUpperCase()); out.add(`${v}x`); }
    if (o.codeValues?.list || o.list) { out.add(allowed.slice(0, 2).join(',')); out.add(allowed.slice(0, 2).join(', ')); out.add(`${allowed[0]},bogus`); }
  }
  if (o.enumParams) {
    const params = Object.entries(o.enumParams);
    for (const [p, vs] of params) { for (const v of vs) out.add(`${p}: ${v}`); out.add(`${p}: bogus`); }
    out.add(params.map(([p, vs]) => `${p}: ${vs[vs.length - 1]}`).join(', '));
    out.add(params.map(([p, vs]) => `${p}:${vs[0]}`).join(','));
    out.add('bogus: x');
    out.add('prefer: configured operation: union');
  }
  for (const v of SPECIAL[key] ?? []) out.add(v);
  return [...out];
}

function contextOf(key: string): Context {
  if (key.startsWith('outbound_auth/')) return 'trunk';
  if (key.startsWith('identify/')) return 'ident';
  if (key.startsWith('registration/')) return 'reg';
  return 'phone';
}

/** Options left out of the differential test, and why (the compiler still checks them). */
export const NOT_LOADED: Record<string, string> = {
  'phoneprov/*': 'res_phoneprov is not loaded by the test Asterisk',
  has_phoneprov: 'res_phoneprov is not loaded by the test Asterisk',
};

export function generateCases(): Case[] {
  const cases: Case[] = [];
  const next: Record<Context, number> = { phone: 100000, trunk: 200000, ident: 300000, reg: 400000, bare: 500000 };
  const add = (context: Context, key: string, value: string, what: Case['what'] = 'option', name = 'Fidelity', password = 'Fidelity-pw-1') => {
    cases.push({ number: String(next[context]++), context, key, value, name, password, what });
  };
  const keys: Array<[string, CatalogOption]> = [];
  for (const [name, o] of Object.entries(objects.wizard!.options)) keys.push([name, o]);
  for (const [prefix, kind] of Object.entries(catalog.prefixes as Record<string, string>)) {
    if (kind === 'phoneprov') continue;
    for (const [name, o] of Object.entries(objects[kind]!.options)) keys.push([prefix + name, o]);
  }
  for (const [key, o] of keys) {
    if (key === 'has_phoneprov') continue;
    for (const v of valuesFor(key, o)) add(contextOf(key), key, v);
  }
  for (const [key, value, ctx] of NAME_PROBES) add(ctx, key, value);
  for (const n of NAMES) add('phone', '', '', 'name', n);
  for (const p of PASSWORDS) add('phone', '', '', 'password', 'Fidelity', p);
  return cases;
}
