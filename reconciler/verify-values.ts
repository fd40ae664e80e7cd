// Does a value Git wrote mean what `pjsip show endpoint|aor|auth|identify|registration` prints? One
// comparison for `inspect` and for the pass's verify: Asterisk prints booleans as true/false, yes/no or
// Yes/No by row, numbers as it parsed them (010 → 8, 3 → 3.000000), codec lists as (a|b), groups as
// `1, 2, 3`. How each option is read comes from schemas/pjsip-options-22-facts.json (compiler/option-facts.ts).
//
// The one list of options that are never compared, and why, is NOT_COMPARED below; the README's
// "What is checked" table points here.
import { isTrue } from '../compiler/catalog.js';
import { factOf, type FactKind } from '../compiler/option-facts.js';

/** Options whose value no `pjsip show` row can confirm; the objects they belong to are still checked. */
export const NOT_COMPARED: Record<string, string> = {
  'endpoint/direct_media_method': 'pjsip show prints connected_line_method in its row (22.10.1 display bug)',
  'endpoint/deny': 'ACL addresses have no row', 'endpoint/permit': 'ACL addresses have no row',
  'endpoint/contact_deny': 'ACL addresses have no row', 'endpoint/contact_permit': 'ACL addresses have no row',
  'endpoint/acl': 'named ACLs have no row (the host check looks the names up)',
  'endpoint/contact_acl': 'named ACLs have no row (the host check looks the names up)',
  'endpoint/set_var': 'each channel variable is shown as a row of its own',
  'endpoint/allow': 'compared as the extension\'s codec list', 'endpoint/disallow': 'only edits allow',
  'endpoint/aors': 'set by the wizard', 'endpoint/auth': 'set by the wizard', 'endpoint/outbound_auth': 'set by the wizard',
  'identify/endpoint': 'set by the wizard', 'identify/match': 'shown as address/mask',
  'registration/server_uri': 'set by the wizard', 'registration/client_uri': 'set by the wizard',
  'registration/transport': 'set by the wizard',
};

// kinds with no row that could confirm them (see NOT_COMPARED for the named options)
const UNREADABLE_KINDS = new Set<FactKind>(['noop', 'ignored', 'acl-address', 'acl-name', 'set-var', 'identify-match']);

/**
 * What `endpoint/webrtc = yes` sets after every other field (res_pjsip pjsip_configuration.c): with
 * it on, these rows show webrtc's value whatever the file says, and are not compared.
 */
export const WEBRTC_SETS = new Set(['bundle', 'dtls_auto_generate_cert', 'dtls_setup', 'dtls_verify', 'ice_support',
  'media_encryption', 'media_use_received_transport', 'rtcp_mux', 'use_avpf']);

/** Why `key` is not compared ('' when it is). */
export function notCompared(key: string): string {
  if (NOT_COMPARED[key]) return NOT_COMPARED[key]!;
  const f = factOf(key);
  if (f?.overridden) return 'overridden by the wizard';
  if (f && UNREADABLE_KINDS.has(f.kind)) return `no row shows a ${f.kind} value`;
  return '';
}

const BOOL_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on', 'no', 'false', 'n', 'f', '0', 'off']);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Without facts: yes/true/Yes, 3/3.000000, a,b/(a|b) are the same. */
export function sameValue(git: string, shown: string): boolean {
  const g = git.trim();
  const a = shown.trim();
  if (g === a || g.toLowerCase() === a.toLowerCase()) return true;
  if (BOOL_WORDS.has(g.toLowerCase()) && BOOL_WORDS.has(a.toLowerCase())) return isTrue(g) === isTrue(a);
  if (NUMBER.test(g) && NUMBER.test(a)) return Number(g) === Number(a);
  const list = /^\((.*)\)$/.exec(a);
  if (list) return sameCodecs(g.split(','), list[1]!.split('|'));
  return false;
}

/** Codec lists as written (`g722,ulaw:20,!all`) and as shown (`(g722|ulaw)`), in order. */
export function sameCodecs(git: string[], shown: string[]): boolean {
  const clean = (l: string[]) => l.map((c) => c.trim().toLowerCase().replace(/:\d+$/, '')).filter((c) => c && c !== 'all' && !c.startsWith('!'));
  return clean(git).join('|') === clean(shown).join('|');
}

const DSCP: Record<string, number> = { CS0: 0, CS1: 8, CS2: 16, CS3: 24, CS4: 32, CS5: 40, CS6: 48, CS7: 56, AF11: 10, AF12: 12, AF13: 14,
  AF21: 18, AF22: 20, AF23: 22, AF31: 26, AF32: 28, AF33: 30, AF41: 34, AF42: 36, AF43: 38, EF: 46 };

const items = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function groupSet(value: string): string | null {
  const set = new Set<number>();
  for (const item of items(value)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) return null;
    for (let x = Number(m[1]); x <= Number(m[2] ?? m[1]); x++) set.add(x);
  }
  return [...set].sort((a, b) => a - b).join(', ');
}

/** Is `shown` what `value`, written for option `key`, loads as? */
export function sameShown(key: string, value: string, shown: string): boolean {
  const f = factOf(key);
  const v = value.trim();
  const s = shown.trim();
  switch (f?.kind) {
    case 'bool': return /^(true|yes)$/i.test(s) ? isTrue(v) : /^(false|no)$/i.test(s) ? !isTrue(v) : false;
    case 'uint': return s === String(/^0[0-7]+$/.test(v) && !f.strict ? Number.parseInt(v, 8) : Number(v));
    // printed with %f: six decimals
    case 'double': return Number(shown) === Number(Number(v).toFixed(6));
    case 'tos': return s === String(/^\d+$/.test(v) ? Number(v) : (DSCP[v.toUpperCase()] ?? -1) << 2);
    case 'enum': {
      const canon = (w: string) => {
        const l = w.toLowerCase();
        if (f.bools && isTrue(l)) return 'yes';
        if (f.bools && ['no', 'false', 'n', 'f', '0', 'off'].includes(l)) return 'no';
        return l === 'reinvite' ? 'invite' : l === 'forced' ? 'always' : l;
      };
      const want = f.list ? items(v).map(canon) : [canon(v)];
      const got = f.list ? items(s).map((x) => x.toLowerCase()) : [s.toLowerCase()];
      return want.join(',') === got.join(',');
    }
    case 'group': {
      const want = groupSet(v);
      // pjsip show cuts a long row at 127 characters
      return want !== null && (s === want || (s.length >= 120 && want.startsWith(s)));
    }
    case 'named-group': return items(s).sort().join(',') === items(v).sort().join(',');
    case 'security-mechanisms':
    case 'digest-algorithms': return items(s).join(',') === items(v).join(',');
    case 'codec-prefs': {
      const shownItems = s.split(',').map((i) => i.replace(/\s+/g, ''));
      return v.split(',').every((i) => shownItems.includes(i.replace(/\s+/g, '')));
    }
    case 'contact-uri': return items(s).sort().join(',') === items(v).sort().join(',');
    case 'codecs': {
      const list = /^\((.*)\)$/.exec(s);
      return list ? sameCodecs(v.split(','), list[1]!.split('|')) : sameValue(v, s);
    }
    default: return sameValue(v, s);
  }
}
