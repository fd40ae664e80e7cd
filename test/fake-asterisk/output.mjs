// The text of the `show` commands, laid out like Asterisk 22 prints them (column widths measured from
// real output): `pjsip show endpoints`, `pjsip show endpoint <id>`, `pjsip show transports`, `pjsip show transport <id>`,
// `core show translation`.

import { isTrue, loadCatalog } from './option-check.mjs';

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
export const DEFAULT_TRANSLATABLE = [
  'ulaw', 'alaw', 'gsm', 'g726', 'g726aal2', 'adpcm', 'slin', 'slin12', 'slin16', 'slin24', 'slin32',
  'slin44', 'slin48', 'slin96', 'slin192', 'lpc10', 'ilbc', 'g722', 'testlaw',
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
  const lines = [` Endpoint:  ${(cid ? `${id}/${cid}` : id).padEnd(53)}${'Unavailable'.padEnd(14)}0 of inf`];
  for (const [field, label] of [['outbound_auth', 'OutAuth'], ['auth', 'InAuth']]) {
    for (const authId of (ep[field] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const auth = state.objects.auth[authId];
      if (auth) lines.push(`     ${label}:  ${authId}/${auth.fields.username ?? ''}`);
    }
  }
  for (const aorId of (ep.aors ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const aor = state.objects.aor[aorId];
    if (aor) lines.push(`        Aor:  ${aorId.padEnd(51)}${aor.fields.max_contacts ?? '0'}`);
  }
  const transport = (config.transports ?? DEFAULT_TRANSPORTS).find((t) => t.name === ep.transport);
  if (transport) lines.push(transportRow(transport, '  '));
  return lines;
}

// Asterisk lists objects sorted by id, byte order
const sortIds = (ids) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function showEndpoints(state, config) {
  const ids = sortIds(Object.keys(state.objects.endpoint));
  if (!ids.length) return 'No objects found.\n';
  const lines = [...ENDPOINT_LEGEND];
  for (const id of ids) lines.push(...endpointBlock(state, config, id), '');
  lines.push(`Objects found: ${ids.length}`, '');
  return lines.join('\n');
}

/** Every endpoint parameter, the catalog's defaults overridden by the section and by webrtc = yes. */
function endpointParameters(fields) {
  const catalog = loadCatalog();
  const params = {};
  for (const [name, spec] of Object.entries(catalog.objects.endpoint.options)) {
    if (spec.type !== 'noop') params[name] = spec.default ?? '';
  }
  const webrtc = catalog.objects.endpoint.options.webrtc?.applyEffects?.whenTrue ?? {};
  if (isTrue(fields.webrtc)) {
    for (const [k, v] of Object.entries(webrtc)) params[k] = v.split(' ')[0];
  }
  for (const [name, value] of Object.entries(fields)) {
    // a boolean reads as yes or no; a word Asterisk does not know silently becomes no
    params[name] = catalog.objects.endpoint.options[name]?.type === 'bool' ? (isTrue(value) ? 'yes' : 'no') : value;
  }
  return params;
}

export function showEndpoint(state, config, id) {
  if (!Object.hasOwn(state.objects.endpoint, id)) return `Unable to find object ${id}.\n\n`;
  const lines = [...ENDPOINT_LEGEND, ...endpointBlock(state, config, id), '', '',
    ` ${'ParameterName'.padEnd(35)}: ParameterValue`,
    ` ${'='.repeat(90)}`];
  const params = endpointParameters(state.objects.endpoint[id].fields);
  for (const name of Object.keys(params).sort()) lines.push(` ${name.padEnd(35)}: ${params[name]}`);
  lines.push('', '');
  return lines.join('\n');
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
    method: '', password: t.password ?? '', priv_key_file: t.privKeyFile ?? '', protocol: t.protocol,
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
  const m = /^slin(\d+)$/.exec(codec);
  if (m) return Number(m[1]);
  return codec === 'g722' ? 16 : 8;
};

// a plausible cost table: stepping through signed linear, dearer when the sample rate changes
function cost(from, to) {
  if (from === to) return '-';
  let c = from === 'slin' ? 6000 : /^slin/.test(from) ? 8500 : 9000;
  if (to !== 'slin') c += rate(to) === rate(from) ? 6000 : 8000;
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
