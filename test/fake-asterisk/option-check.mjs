// Decides, from schemas/pjsip-options-22.json, whether a real Asterisk would refuse one object option:
// an unknown name, a non-numeric number, an enum word it does not know, an unknown codec. Booleans
// never fail (an unknown spelling silently becomes false), nor do free strings.

import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CATALOG_URL = new URL('../../schemas/pjsip-options-22.json', import.meta.url);

let catalog = null;
export function loadCatalog() {
  if (!catalog) catalog = JSON.parse(readFileSync(fileURLToPath(CATALOG_URL), 'utf8'));
  return catalog;
}

// codec names known to an Asterisk 22 core (main/codec_builtin.c registers these)
export const KNOWN_CODECS = new Set([
  'ulaw', 'alaw', 'gsm', 'g723', 'g726', 'g726aal2', 'adpcm', 'slin', 'slin12', 'slin16', 'slin24',
  'slin32', 'slin44', 'slin48', 'slin96', 'slin192', 'lpc10', 'g729', 'speex', 'speex16', 'speex32',
  'ilbc', 'g722', 'siren7', 'siren14', 'testlaw', 'g719', 'opus', 'silk8', 'silk12', 'silk16',
  'silk24', 'codec2', 'h261', 'h263', 'h263p', 'h264', 'h265', 'mpeg4', 'vp8', 'vp9', 'red', 't140',
  'jpeg', 'png', 't38', 'none',
]);

function isTrue(v) {
  return loadCatalog().boolValues.true.includes(String(v).trim().toLowerCase());
}
function isBoolWord(v) {
  const c = loadCatalog().boolValues;
  const w = String(v).trim().toLowerCase();
  return c.true.includes(w) || c.false.includes(w);
}
export { isBoolWord, isTrue };

// endpoint options naming a file or folder on the PBX host: res_rtp_asterisk refuses the value when
// it cannot read it (rtp_engine.c ast_rtp_dtls_cfg_parse), and the endpoint is dropped
const HOST_PATHS = { dtls_cert_file: 'dtlscertfile', dtls_private_key: 'dtlsprivatekey', dtls_ca_file: 'dtlscafile', dtls_ca_path: 'dtlscapath' };

/** The log line of a real Asterisk refusing a host path this host lacks, or null. */
export function hostPathError(type, name, value) {
  const rtpName = type === 'endpoint' ? HOST_PATHS[name.toLowerCase()] : undefined;
  if (!rtpName || value === '') return null;
  try {
    accessSync(value, constants.R_OK);
    return null;
  } catch {
    return `ERROR rtp_engine.c: ${rtpName} file ${value} does not exist or is not readable`;
  }
}

/** The option spec for `name` on object type `type` ('endpoint', 'aor', 'auth', …), or null. */
export function optionSpec(type, name) {
  const obj = loadCatalog().objects[type];
  if (!obj) return null;
  if (Object.hasOwn(obj.options, name)) return obj.options[name];
  if (obj.freeform || obj.options['*']?.wildcard) return { type: 'string' };
  return null;
}

function checkUint(value, spec) {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return `'${value}' is not an unsigned number`;
  const n = Number(v);
  if (n > 4294967295) return `'${value}' is out of range`;
  const range = spec.c?.range;
  if (Array.isArray(range) && range.length === 2 && (n < Number(range[0]) || n > Number(range[1]))) {
    return `'${value}' is outside ${range[0]}..${range[1]}`;
  }
  return null;
}

function checkCodecs(value) {
  for (let item of value.split(/[,|]/)) {
    item = item.trim();
    if (!item) continue;
    if (item[0] === '!') item = item.slice(1);
    item = item.replace(/:\d+$/, '').toLowerCase();
    if (item === 'all') continue;
    if (!KNOWN_CODECS.has(item)) return `unknown codec '${item}'`;
  }
  return null;
}

function checkEnum(value, spec) {
  const cv = spec.codeValues;
  if (cv?.unknown && /ignored/.test(cv.unknown)) return null;
  const values = cv?.values ?? spec.enum;
  if (!values) return cv?.boolValues ? null : null;
  const sensitive = cv?.match === 'case-sensitive';
  const list = cv?.list ?? (spec.enum && !cv ? ',' : null);
  const items = list ? value.split(list).map((s) => s.trim()).filter(Boolean) : [value.trim()];
  for (const item of items) {
    if (cv?.boolValues && isBoolWord(item)) continue;
    if (cv?.alsoInteger && /^\d+$/.test(item)) continue;
    const ok = values.some((v) => (sensitive ? v === item : v.toLowerCase() === item.toLowerCase()));
    if (!ok) return `'${item}' is not one of ${values.join(', ')}`;
  }
  return null;
}

function checkEnumParams(value, spec, name) {
  const params = spec.enumParams;
  if (name === 'password_digest') {
    const m = /^([^:]+):([0-9a-fA-F]+)$/.exec(value.trim());
    const algs = params['hash-algorithm'] ?? [];
    if (!m || !algs.some((a) => a.toLowerCase() === m[1].toLowerCase())) return `'${value}' is not ALG:hex`;
    return null;
  }
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const [k, v] = part.split(':').map((s) => (s ?? '').trim());
    if (!k || !Object.hasOwn(params, k)) return `unknown parameter '${k}'`;
    if (!params[k].includes(v)) return `'${v}' is not one of ${params[k].join(', ')}`;
  }
  return null;
}

/** Why Asterisk would refuse `name = value` on an object of `type`, or null when it accepts it. */
export function optionError(type, name, value) {
  const spec = optionSpec(type, name);
  if (!spec) return `unknown option '${name}'`;
  const t = spec.type;
  if (t === 'bool' || t === 'string' || t === 'noop') return null;
  if (t === 'uint') return checkUint(value, spec);
  if (t === 'int') return /^\s*[+-]?\d+\s*$/.test(value) ? null : `'${value}' is not a number`;
  if (t === 'double') return value.trim() !== '' && Number.isFinite(Number(value)) ? null : `'${value}' is not a number`;
  if (t === 'codec-list') return checkCodecs(value);
  if (spec.enum || spec.codeValues) return checkEnum(value, spec);
  if (spec.enumParams) return checkEnumParams(value, spec, name);
  return null;
}
