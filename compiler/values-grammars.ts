// Value grammars of the options whose Asterisk handler parses more than a word or a number: ACLs,
// groups, codec preferences, digests, URIs, identify matches … Each checker says why Asterisk would
// drop, misread, truncate or ignore the value, or returns null when it loads exactly as written.
// The handler each one follows is named in schemas/pjsip-options-22-facts.json (`source`).
import type { ValueProblem } from './value-problem.js';
import type { OptionFact } from './option-facts.js';

type Check = (key: string, value: string, f: OptionFact, drops: string) => ValueProblem | null;

const bad = (key: string, value: string, why: string, hint?: string): ValueProblem =>
  ({ code: 'BAD_VALUE', message: `${key} = ${value}: ${why}`, ...(hint ? { hint } : {}) });

const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p === '' ? [] : p.split(':')));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g) || IPV4.test(g))) return false;
  return parts.length === 2 ? groups.length < 8 : groups.length === 8;
}
const isIP = (s: string) => IPV4.test(s) || isIPv6(s);

/** address[/bits or /dotted mask], as ast_append_ha takes it. */
function isAclItem(item: string): boolean {
  const s = item.startsWith('!') ? item.slice(1) : item;
  const [addr, mask, ...rest] = s.split('/');
  if (rest.length || !addr || !isIP(addr)) return false;
  if (mask === undefined) return true;
  if (/^[0-9]{1,3}$/.test(mask)) return Number(mask) <= (IPV4.test(addr) ? 32 : 128);
  return IPV4.test(addr) && IPV4.test(mask);
}

const aclAddress: Check = (key, value, _f, drops) => {
  const items = value.split(',');
  const wrong = items.find((i) => !isAclItem(i));
  if (wrong === undefined) return null;
  return bad(key, value, `'${wrong}' is not an address or network Asterisk takes; it drops ${drops}`,
    'write addresses or networks (10.0.0.0/8, 192.168.1.0/255.255.255.0, 2001:db8::/32), comma-separated without spaces; no host names');
};

const aclName: Check = (key, value, f) => {
  if (value.includes(',')) return bad(key, value, 'Asterisk takes one ACL name per line here and keeps only the first', 'write one name of acl.conf');
  if (value.length > (f.maxLength ?? 79)) {
    return { code: 'VALUE_TRUNCATED', message: `${key} = ${value.slice(0, 20)}…: Asterisk cuts an ACL name to ${f.maxLength} characters`, hint: `use a name of at most ${f.maxLength} characters` };
  }
  return null;
};

const group: Check = (key, value) => {
  for (const item of value.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(item);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || from > 63 || to > 63 || from > to) {
      return bad(key, value, `'${item}' is not a group Asterisk keeps: it skips it without an error`,
        'write numbers and ranges from 0 to 63, comma-separated without spaces (1,3,5-7)');
    }
  }
  return null;
};

const namedGroup: Check = (key, value) => {
  const items = value.split(',');
  if (items.some((i) => i.trim() === '' || i !== i.trim())) return bad(key, value, 'an empty name or spaces around a comma', 'write names separated by commas only (sales,support)');
  return null;
};

const setVar: Check = (key, value, _f, drops) => {
  const eq = value.indexOf('=');
  if (eq === -1) return bad(key, value, `set_var needs name=value; Asterisk drops ${drops}`, 'write NAME=value');
  const name = value.slice(0, eq);
  if (name === '' || name !== name.trim() || /\s/.test(name)) return bad(key, value, 'the variable name is empty or has spaces', 'write NAME=value with no space before the =');
  return null;
};

const FROM_USER = /^[A-Za-z0-9\-._~%!$&'()*+,;=:]+$/;
const fromUser: Check = (key, value, f, drops) => (FROM_USER.test([...(f.extraChars ?? '')].reduce((v, ch) => v.split(ch).join(''), value) || 'x') ? null
  : bad(key, value, `from_user takes only letters, digits and - . _ ~ % ! $ & ' ( ) * + , ; = : — Asterisk drops ${drops}`, 'leave out spaces, @, #, ", \\ and non-ASCII letters'));

const mediaAddress: Check = (key, value) => {
  // an address Asterisk can parse is stored in its own form (no port, no brackets); anything else as a host name
  const withPort = /^(.+):([0-9]{1,5})$/.exec(value);
  if (value.startsWith('[') || (withPort && IPV4.test(withPort[1]!))) {
    return bad(key, value, 'Asterisk stores an address without its port or brackets', 'write the bare address (203.0.113.5, 2001:db8::1)');
  }
  return null;
};

const URI_PARAMS = /^[A-Za-z0-9\-._~!$&'()*+=:;%]+$/;
const uriParams: Check = (key, value, _f, drops) => (URI_PARAMS.test(value) ? null
  : bad(key, value, `not URI parameters; the contact built from it is invalid and Asterisk drops ${drops}`, 'write name=value pairs separated by ; with no spaces'));

const authList: Check = (key, value, f) => {
  const items = value.split(',');
  if (items.some((i) => i.trim() === '' || i !== i.trim())) return bad(key, value, 'an empty name or spaces around a comma', 'write auth names separated by commas only');
  const long = items.find((i) => i.length > (f.maxLength ?? 127));
  if (long) return { code: 'VALUE_TRUNCATED', message: `${key}: Asterisk cuts an auth name to ${f.maxLength} characters`, hint: `use names of at most ${f.maxLength} characters` };
  return null;
};

const codecPrefs: Check = (key, value, f, drops) => {
  const params = f.params ?? {};
  const seen = new Set<string>();
  for (const item of value.split(',')) {
    const m = /^\s*([a-z_-]+)\s*:\s*([a-z_]+)\s*$/.exec(item);
    if (!m) return bad(key, value, `'${item.trim()}' is not 'name: value'; Asterisk ignores or rejects it`, `write e.g. ${Object.entries(params).map(([p, v]) => `${p}: ${v[0]}`).join(', ')}`);
    const [, p, v] = m as unknown as [string, string, string];
    const allowed = params[p];
    if (!allowed) return bad(key, value, `'${p}' is not a parameter of ${key}; Asterisk ignores it`, `parameters: ${Object.keys(params).join(', ')}`);
    if (!allowed.includes(v)) return bad(key, value, `${p} takes ${allowed.join(', ')}; Asterisk drops ${drops}`);
    if (seen.has(p)) return bad(key, value, `${p} is given twice`);
    seen.add(p);
  }
  return null;
};

const MECHANISMS = new Set(['msrp-tls', 'sdes-srtp', 'dtls-srtp']);
const securityMechanisms: Check = (key, value) => {
  const wrong = value.split(',').find((i) => !MECHANISMS.has(i));
  return wrong === undefined ? null
    : bad(key, value, `'${wrong}' is not a mechanism this checker can confirm Asterisk keeps as written`, `write ${[...MECHANISMS].join(', ')}, comma-separated without spaces or ;q= parameters`);
};

const contactUri: Check = (key, value, _f, drops) => {
  for (const item of value.split(',')) {
    if (!/^sips?:[^\s,]*$/i.test(item)) {
      return bad(key, value, `'${item}' is not a sip: or sips: URI; Asterisk drops ${drops}`, 'write sip:user@host[:port], comma-separated without spaces');
    }
    if (item.length > 255) return bad(key, value, `a contact URI over 255 characters exceeds pjproject's limit; Asterisk drops ${drops}`);
  }
  return null;
};

const DIGEST_LENGTH: Record<string, number> = { MD5: 32, 'SHA-256': 64, 'SHA-512-256': 64 };
const passwordDigest: Check = (key, value, f, drops) => {
  if (f.md5Only) {
    return /^[0-9a-f]{32}$/.test(value) ? null
      : bad(key, value, `md5_cred is 32 lowercase hex digits (md5 of username:realm:password); otherwise Asterisk drops ${drops} or stores another form`, 'write the 32 hex digits alone');
  }
  for (const item of value.split(',')) {
    const m = /^([A-Za-z0-9-]+):([0-9a-f]+)$/.exec(item);
    const alg = m?.[1]!.toUpperCase();
    if (!m || !alg || !DIGEST_LENGTH[alg] || m[2]!.length !== DIGEST_LENGTH[alg] || m[1] !== alg) {
      return bad(key, value, `'${item.length > 24 ? `${item.slice(0, 24)}…` : item}' is not ALG:hex with ALG MD5 (32 hex digits), SHA-256 or SHA-512-256 (64); Asterisk drops ${drops} or stores another form`,
        'write e.g. MD5:<32 lowercase hex digits>, comma-separated without spaces');
    }
  }
  return null;
};

const ALGS = ['MD5', 'SHA-256', 'SHA-512-256'];
const digestAlgorithms: Check = (key, value, _f, drops) => {
  const wrong = value.split(',').find((i) => !ALGS.includes(i));
  return wrong === undefined ? null
    : bad(key, value, `'${wrong}' is not ${ALGS.join(', ')} as Asterisk prints them${ALGS.includes(wrong.trim().toUpperCase()) ? '' : `; Asterisk drops ${drops}`}`, `write ${ALGS.join(', ')}, comma-separated without spaces`);
};

function hostPort(item: string): boolean {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::([0-9]{1,5}))?$/.exec(item);
  if (v6) return isIPv6(v6[1]!) && (v6[2] === undefined || Number(v6[2]) <= 65535);
  const m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(item);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return false;
  const host = m[1]!;
  return IPV4.test(host) || (host.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host) && !/^[0-9.]+$/.test(host));
}

const remoteHosts: Check = (key, value) => {
  const wrong = value.split(',').find((i) => !hostPort(i));
  return wrong === undefined ? null
    : bad(key, value, `'${wrong}' is not host[:port]; the objects built from it (aor contact, identify match, registration URIs) would not load`, 'write host[:port] entries, comma-separated without spaces');
};

const identifyMatch: Check = (key, value, _f, drops) => {
  for (const item of value.split(',')) {
    const [addr, mask] = item.split('/');
    const plain = mask === undefined ? hostPort(item) && (IPV4.test(item.split(':')[0]!) || item.startsWith('[') || isIPv6(item)) : isAclItem(item);
    if (!plain) {
      const name = /^[A-Za-z]/.test(addr ?? '');
      return bad(key, value, name ? `'${item}' is a host name: Asterisk resolves it once at load, and an unresolvable one drops ${drops}` : `'${item}' is not an address or network; Asterisk drops ${drops}`,
        'write addresses or networks (203.0.113.5, 10.0.0.0/8, [2001:db8::1]:5060), comma-separated without spaces');
    }
  }
  return null;
};

const matchHeader: Check = (key, value, _f, drops) => (/^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/.test(value) ? null
  : bad(key, value, `match_header is 'Header-Name: value'; Asterisk drops ${drops}`, 'write e.g. X-Trunk: carrier-a'));

export const GRAMMARS: Partial<Record<string, Check>> = {
  'acl-address': aclAddress, 'acl-name': aclName, group, 'named-group': namedGroup, 'set-var': setVar,
  'from-user': fromUser, 'media-address': mediaAddress, 'auth-list': authList, 'codec-prefs': codecPrefs,
  'security-mechanisms': securityMechanisms, 'contact-uri': contactUri, 'password-digest': passwordDigest,
  'digest-algorithms': digestAlgorithms, 'identify-match': identifyMatch, 'match-header': matchHeader,
  'remote-hosts': remoteHosts, 'uri-params': uriParams,
};
