// The text of the `show` commands, laid out like Asterisk 22 prints them (column widths measured from
// real output): `pjsip show endpoints`, `pjsip show endpoint <id>`, `pjsip show transports`, `pjsip show transport <id>`,
// `core show translation`.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isBoolWord, isTrue, loadCatalog } from './option-check.mjs';

const ENDPOINT_LEGEND = [
  '',
  ' Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>',
  '    I/OAuth:  <AuthId/UserName...........................................................>',
  '        Aor:  <Aor............................................>  <MaxContact>',
  '      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>',
  '  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>',
  '   Identify:  <Identify/Endpoint.........................................................>',
  '        Match:  <criteria.........................>',
  '    Channel:  <ChannelId......................................>  <State.....>  <Time.....>',
  '        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>',
  '==========================================================================================',
  '',
];

const TRANSPORT_LEGEND = [
  '',
  'Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress....................>',
  '==========================================================================================',
  '',
];

export const DEFAULT_TRANSPORTS = [
  { name: 'transport-udp', protocol: 'udp' },
  { name: 'transport-ws', protocol: 'ws' },
];

// what an open-source Asterisk 22 build can transcode: no opus (res_format_attr_opus only passes it through)
// (the rows and their order as a real 22.10.1 built by ../shared/asterisk/build.sh prints them)
export const DEFAULT_TRANSLATABLE = [
  'ulaw', 'alaw', 'gsm', 'g726', 'g726aal2', 'adpcm', 'slin8', 'slin12', 'slin16', 'slin24', 'slin32',
  'slin44', 'slin48', 'slin96', 'slin192', 'lpc10', 'ilbc', 'g722',
];

/** The number part of a callerid like `"Desk 2" <6001>` (ast_callerid_split), '' when none. */
export function calleridNumber(callerid) {
  if (!callerid) return '';
  const m = /<([^>]*)>/.exec(callerid);
  if (m) return m[1].trim();
  const v = callerid.trim().replace(/^"|"$/g, '');
  return /^[0-9+*#]+$/.test(v) ? v : '';
}

function defaultBind(protocol) {
  return protocol === 'tls' || protocol === 'wss' ? '0.0.0.0:5061' : '0.0.0.0:5060';
}

function transportRow(t, indent) {
  const bind = t.bind ?? defaultBind(t.protocol);
  return `${indent}Transport:  ${t.name.padEnd(26)}${t.protocol.padEnd(5)}${'0'.padStart(5)}${'0'.padStart(7)}  ${bind}`;
}

function endpointBlock(state, config, id) {
  const ep = state.objects.endpoint[id].fields;
  const cid = calleridNumber(ep.callerid);
  const reachable = contactsOf(state, config, id).some((c) => (c.status ?? 'NonQual') !== 'Unavail');
  const lines = [` Endpoint:  ${(cid ? `${id}/${cid}` : id).padEnd(53)}${(reachable ? 'Not in use' : 'Unavailable').padEnd(14)}0 of inf`];
  for (const [field, label] of [['outbound_auth', 'OutAuth'], ['auth', 'InAuth']]) {
    for (const authId of (ep[field] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const auth = state.objects.auth[authId];
      if (auth) lines.push(`     ${label}:  ${authId}/${auth.fields.username ?? ''}`);
    }
  }
  for (const aorId of (ep.aors ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const aor = state.objects.aor[aorId];
    if (aor) lines.push(`        Aor:  ${aorId.padEnd(51)}${aor.fields.max_contacts ?? '0'}`, ...contactRows(state, config, aorId, 6));
  }
  const transport = (config.transports ?? DEFAULT_TRANSPORTS).find((t) => t.name === ep.transport);
  if (transport) lines.push(transportRow(transport, '  '));
  return lines;
}

// Asterisk lists objects sorted by id, byte order
const sortIds = (ids) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// `… like <regex>`: only the ids the regex matches (res_sorcery_config compiles it with regcomp,
// REG_EXTENDED, and matches the id; the simple expressions the reconciler sends read the same in JS)
const like = (ids, regex) => (regex === undefined ? ids : ids.filter((id) => new RegExp(regex).test(id)));

export function showEndpoints(state, config, regex) {
  const ids = like(sortIds(Object.keys(state.objects.endpoint)), regex);
  if (!ids.length) return 'No objects found.\n';
  const lines = [...ENDPOINT_LEGEND];
  for (const id of ids) lines.push(...endpointBlock(state, config, id), '');
  lines.push(`Objects found: ${ids.length}`, '');
  return lines.join('\n');
}

const LIST_ENDPOINT_LEGEND = ['', ENDPOINT_LEGEND[1], ENDPOINT_LEGEND.at(-2), ''];

/** `pjsip list endpoints [like <regex>]`: the `Endpoint:` row of each, nothing under it (as 22.10.1 prints it). */
export function listEndpoints(state, config, regex) {
  const ids = like(sortIds(Object.keys(state.objects.endpoint)), regex);
  if (!ids.length) return 'No objects found.\n\n';
  return [...LIST_ENDPOINT_LEGEND, ...ids.map((id) => endpointBlock(state, config, id)[0]), '', `Objects found: ${ids.length}`, '', ''].join('\n');
}

// The rows a real Asterisk 22.10.1 prints for a minimal wizard section (defaults, in its own
// spellings: `true`/`false`, `Yes`/`No`, `(ulaw|alaw)`), and what `webrtc = yes` changes: recorded
// from `pjsip show endpoint|aor|auth` by hand; test/real/conformance.test.ts checks them.
let recorded = null;
function loadRecorded() {
  if (!recorded) recorded = JSON.parse(readFileSync(fileURLToPath(new URL('./recorded-22.json', import.meta.url)), 'utf8'));
  return recorded;
}

// rows the recording left out because the wizard fills them per section
const WIZARD_ROWS = new Set(['@pjsip_wizard', 'aors', 'auth', 'username', 'password']);

const BOOL_STYLES = [['true', 'false'], ['Yes', 'No'], ['yes', 'no']];

/** A value as `pjsip show` prints it: booleans in the row's own spelling, a codec list as `(a|b)`. */
function shown(type, name, value, defaultShown) {
  const spec = loadCatalog().objects[type]?.options[name];
  const style = BOOL_STYLES.find((pair) => pair.includes(defaultShown));
  if (spec?.type === 'bool' || (spec?.codeValues?.boolValues && style && (value === '' || isBoolWord(value)))) {
    const [t, f] = style ?? BOOL_STYLES[0];
    // a word Asterisk does not know silently becomes false
    return isTrue(value) ? t : f;
  }
  if (spec?.type === 'codec-list' && name === 'allow') {
    const codecs = value.split(',').map((c) => c.trim().replace(/:\d+$/, '')).filter((c) => c && c !== 'all' && !c.startsWith('!'));
    return `(${codecs.join('|')})`;
  }
  return value;
}

/** Every parameter of one object: the recorded defaults, the section's fields over them. */
function objectParameters(type, fields, contacts) {
  const rec = loadRecorded();
  const params = { ...rec[type] };
  for (const [name, value] of Object.entries(fields)) {
    // a field that is no row of its own (`disallow` only edits `allow`) is not listed
    if (Object.hasOwn(rec[type], name) || WIZARD_ROWS.has(name)) params[name] = shown(type, name, value, rec[type][name]);
  }
  // res_pjsip applies webrtc = yes after every other field: it wins over them
  if (type === 'endpoint' && isTrue(fields.webrtc ?? '')) Object.assign(params, rec.webrtcEffects);
  // an aor's `contact` row lists its registered contacts' whole URIs
  if (type === 'aor' && contacts?.length) params.contact = contacts.map((c) => c.uri).join(',');
  return params;
}

function parameterLines(params) {
  const names = Object.keys(params).sort();
  const nameWidth = Math.max(13, ...names.map((n) => n.length));
  const valueWidth = Math.max(14, ...Object.values(params).map((v) => v.length));
  return [` ${'ParameterName'.padEnd(nameWidth)} : ParameterValue`, ` ${'='.repeat(nameWidth + valueWidth + 3)}`,
    ...names.map((n) => ` ${n.padEnd(nameWidth)} : ${params[n]}`)];
}

export function showEndpoint(state, config, id) {
  if (!Object.hasOwn(state.objects.endpoint, id)) return `Unable to find object ${id}.\n\n`;
  const lines = [...ENDPOINT_LEGEND, ...endpointBlock(state, config, id), '', '',
    ...parameterLines(objectParameters('endpoint', state.objects.endpoint[id].fields)), '', ''];
  return lines.join('\n');
}

const AOR_LEGEND = [
  '',
  '      Aor:  <Aor..............................................>  <MaxContact>',
  '    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>',
  '==========================================================================================',
  '',
];
const AUTH_LEGEND = [
  '',
  '  I/OAuth:  <AuthId/UserName.............................................................>',
  '==========================================================================================',
  '',
];

const aorRow = (id, aor) => `      Aor:  ${id.padEnd(53)}${aor.fields.max_contacts ?? '0'}`;
const authRow = (id, auth) => `     Auth:  ${id}/${auth.fields.username ?? ''}`;

/** `pjsip show aor|auth|identify|registration <id>` (identify and registration: their fields as written, no recording). */
export function showObject(state, type, id, config = {}) {
  const o = state.objects[type]?.[id];
  if (!o) return `Unable to find object ${id}.\n\n`;
  if (type === 'identify' || type === 'registration') return ['', `${type}:  ${id}`, '', ...parameterLines(o.fields), '', ''].join('\n');
  const head = type === 'aor' ? [...AOR_LEGEND, aorRow(id, o), ...contactRows(state, config, id, 4), '', ''] : [...AUTH_LEGEND, authRow(id, o), ''];
  return [...head, ...parameterLines(objectParameters(type, o.fields, type === 'aor' ? contactsOf(state, config, id) : undefined)), '', ''].join('\n');
}

/** `pjsip show aors` / `pjsip show auths`. */
export function showObjects(state, type, config = {}, regex = undefined) {
  const ids = like(sortIds(Object.keys(state.objects[type] ?? {})), regex);
  if (!ids.length) return 'No objects found.\n\n';
  const rows = type === 'aor'
    ? ids.flatMap((id) => [aorRow(id, state.objects.aor[id]), ...contactRows(state, config, id, 4), ''])
    : ids.map((id) => authRow(id, state.objects.auth[id]));
  return [...(type === 'aor' ? AOR_LEGEND : AUTH_LEGEND), ...rows, ...(type === 'aor' ? [] : ['']), `Objects found: ${ids.length}`, '', ''].join('\n');
}

const IDENTIFY_LEGEND = [
  '',
  ' Identify:  <Identify/Endpoint...........................................................>',
  '      Match:  <criteria...........................>',
  '==========================================================================================',
  '',
];
const REGISTRATION_LEGEND = [
  '',
  ' <Registration/ServerURI..............................>  <Auth....................>  <Status.......>',
  '==========================================================================================',
  '',
];

/** `pjsip show identifies`: `<id>/<endpoint>`, then a Match row per address (mask /32 when none). */
export function showIdentifies(state, regex = undefined) {
  const ids = like(sortIds(Object.keys(state.objects.identify ?? {})), regex);
  if (!ids.length) return 'No objects found.\n\n';
  const rows = ids.flatMap((id) => {
    const f = state.objects.identify[id].fields;
    const matches = (f.match ?? '').split(',').map((m) => m.trim()).filter(Boolean).map((m) => `      Match: ${m.includes('/') ? m : `${m}/32`}`);
    return [` Identify:  ${id}/${f.endpoint ?? ''}`, ...matches, ''];
  });
  return [...IDENTIFY_LEGEND, ...rows, '', `Objects found: ${ids.length}`, '', ''].join('\n');
}

/** `pjsip show registrations`: `<id>/<server uri>`, its outbound auth and status (never sent: Unregistered). */
export function showRegistrations(state, regex = undefined) {
  const ids = like(sortIds(Object.keys(state.objects.registration ?? {})), regex);
  if (!ids.length) return 'No objects found.\n\n';
  const rows = ids.map((id) => {
    const f = state.objects.registration[id].fields;
    return ` ${`${id}/${f.server_uri ?? ''}`.padEnd(56)}${(f.outbound_auth ?? '').padEnd(28)}Unregistered`;
  });
  return [...REGISTRATION_LEGEND, ...rows, '', `Objects found: ${ids.length}`, '', ''].join('\n');
}

// Registrations are not made, they are configured: `contacts` in the fake's config lists
// { aor, uri, status?, rttMs?, userAgent? }, shown while their aor is loaded (location.c's layout).
const CONTACT_LEGEND = [
  '',
  '  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>',
  '==========================================================================================',
  '',
];

function contactsOf(state, config, aorId) {
  return (config.contacts ?? []).filter((c) => c.aor === aorId && Object.hasOwn(state.objects.aor, c.aor));
}

const contactHash = (c) => createHash('sha1').update(`${c.aor};${c.uri}`).digest('hex').slice(0, 10);

// `%*s:  %-*.*s %-10.10s %-7.7s %11.3f`: the aor/uri column is 49 less the indent wide, cut to it
function contactRow(c, indent) {
  const width = 49 - indent;
  const rtt = c.rttMs === undefined || c.rttMs === null ? 'nan' : c.rttMs.toFixed(3);
  return `${' '.repeat(indent)}Contact:  ${`${c.aor}/${c.uri}`.slice(0, width).padEnd(width)} ${contactHash(c)} ${(c.status ?? 'NonQual').padEnd(7)} ${rtt.padStart(11)}`;
}

function contactRows(state, config, aorId, indent) {
  return contactsOf(state, config, aorId).map((c) => contactRow(c, indent));
}

/** `pjsip show contacts`. */
export function showContacts(state, config) {
  const all = (config.contacts ?? []).filter((c) => state && Object.hasOwn(state.objects.aor, c.aor));
  if (!all.length) return 'No objects found.\n\n';
  return [...CONTACT_LEGEND, ...all.map((c) => contactRow(c, 2)), '', `Objects found: ${all.length}`, '', ''].join('\n');
}

/** `pjsip show contact <aor>/<uri>`: the row, then the contact's fields. */
export function showContact(state, config, id) {
  const c = (config.contacts ?? []).find((x) => `${x.aor}/${x.uri}` === id && Object.hasOwn(state.objects.aor, x.aor));
  if (!c) return `Unable to find object ${id}.\n\n`;
  const via = /@([^:;>]+)(?::(\d+))?/.exec(c.uri);
  const params = {
    authenticate_qualify: 'no', call_id: `1-1@${via?.[1] ?? ''}`, endpoint: c.aor, expiration_time: '1796057561', outbound_proxy: '',
    path: '', prune_on_boot: 'no', qualify_2xx_only: 'false', qualify_frequency: '0', qualify_timeout: '3.000000', reg_server: '',
    uri: c.uri, user_agent: c.userAgent ?? '', via_addr: via?.[1] ?? '', via_port: via?.[2] ?? '5060',
  };
  return [...CONTACT_LEGEND, contactRow(c, 2), '', ...parameterLines(params), '', ''].join('\n');
}

export function showTransports(config) {
  const transports = config.transports ?? DEFAULT_TRANSPORTS;
  if (!transports.length) return 'No objects found.\n';
  const lines = [...TRANSPORT_LEGEND, ...transports.map((t) => transportRow(t, '')), '',
    `Objects found: ${transports.length}`, ''];
  return lines.join('\n');
}

// a transport's sorcery fields as `pjsip show transport <id>` lists them (config_transport.c
// registrations, Asterisk's defaults); `certFile` and `password` come from the fake's config
function transportParameters(t) {
  return {
    allow_reload: 'false', allow_wildcard_certs: 'No', async_operations: '1', bind: t.bind ?? defaultBind(t.protocol),
    ca_list_file: '', ca_list_path: '', cert_file: t.certFile ?? '', cipher: '', cos: '0', domain: '',
    external_media_address: '', external_signaling_address: '', external_signaling_port: '0', local_net: '',
    method: 'unspecified', password: t.password ?? '', priv_key_file: t.privKeyFile ?? '', protocol: t.protocol,
    require_client_cert: 'No', symmetric_transport: 'false', tcp_keepalive_enable: 'false', tcp_keepalive_idle_time: '30',
    tcp_keepalive_interval_time: '1', tcp_keepalive_probe_count: '5', tos: '0', verify_client: 'No',
    verify_server: 'No', websocket_write_timeout: '100',
  };
}

/** `pjsip show transport <id>`: the row, then every field (pjsip_cli.c ast_sip_cli_print_sorcery_objectset). */
export function showTransport(config, id) {
  const t = (config.transports ?? DEFAULT_TRANSPORTS).find((x) => x.name === id);
  if (!t) return `Unable to find object ${id}.\n\n`;
  const params = transportParameters(t);
  const names = Object.keys(params).sort();
  const nameWidth = Math.max(13, ...names.map((n) => n.length));
  const valueWidth = Math.max(14, ...Object.values(params).map((v) => v.length));
  const lines = [...TRANSPORT_LEGEND, transportRow(t, ''), '',
    ` ${'ParameterName'.padEnd(nameWidth)} : ParameterValue`,
    ` ${'='.repeat(nameWidth + valueWidth + 3)}`,
    ...names.map((n) => ` ${n.padEnd(nameWidth)} : ${params[n]}`), '', ''];
  return lines.join('\n');
}

const rate = (codec) => {
  if (codec === 'slin8') return 8;
  const m = /^slin(\d+)$/.exec(codec);
  if (m) return Number(m[1]);
  return codec === 'g722' ? 16 : 8;
};

// a plausible cost table: stepping through signed linear, dearer when the sample rate changes
function cost(from, to) {
  if (from === to) return '-';
  let c = from === 'slin8' ? 6000 : /^slin/.test(from) ? 8500 : 9000;
  if (to !== 'slin8') c += rate(to) === rate(from) ? 6000 : 8000;
  if (from === 'ulaw' && to === 'alaw') c = 9150;
  if (from === 'alaw' && to === 'ulaw') c = 9150;
  if (to === 'g722' || from === 'g722') c += 250;
  return String(c);
}

export function showTranslation(config) {
  const codecs = config.translatableCodecs ?? DEFAULT_TRANSLATABLE;
  const longest = Math.max(...codecs.map((c) => c.length));
  const width = (c) => Math.max(c.length, 5);
  const lines = [
    '         Translation times between formats (in microseconds) for one second of data',
    '          Source Format (Rows) Destination Format (Columns)',
    '',
    ' '.repeat(longest + 1) + codecs.map((c) => ' ' + c.padStart(width(c))).join(''),
  ];
  for (const from of codecs) {
    lines.push(' ' + from.padStart(longest) + codecs.map((to) => ' ' + cost(from, to).padStart(width(to))).join(''));
  }
  lines.push('');
  return lines.join('\n');
}

// `geoloc list profiles` (res_geolocation/geoloc_config.c): the four built-in profiles, then the configured ones
export function showGeolocProfiles(config) {
  const ids = ['<discard_config>', '<discard_incoming>', '<prefer_config>', '<prefer_incoming>', ...(config.geolocProfiles ?? [])].sort();
  return ['Geolocation Profile Objects:', '', '<Object ID...................................> <Profile Action> <Location Reference> ',
    '=====================================================================================',
    ...ids.map((id) => `${id.slice(0, 46).padEnd(46)} ${'prefer_config'.padEnd(16)} `), '', `Total Profile Objects: ${ids.length}`, '', ''].join('\n');
}

// `acl show` (main/named_acl.c): without acl.conf, "ACL configuration isn't available."
export function showAcls(config) {
  return ['', 'acl', '---', ...(config.acls ? config.acls : ["ACL configuration isn't available."]), ''].join('\n');
}
