// What the compiler meant, in the form `pjsip show endpoint|aor|auth|identify|registration` prints it:
// the objects a case's section makes, and the value its option should show.
import { isTrue } from '../../compiler/catalog.js';
import { factOf } from '../../compiler/option-facts.js';
import type { Kind } from './fidelity-run.js';

/** Options whose effect cannot be read back from `pjsip show` as a value (the objects are still compared). */
export const NOT_READABLE: Record<string, string> = {
  'endpoint/direct_media_method': 'pjsip show prints connected_line_method in its row (22.10.1 display bug)',
  'endpoint/deny': 'ACLs have no row', 'endpoint/permit': 'ACLs have no row',
  'endpoint/contact_deny': 'ACLs have no row', 'endpoint/contact_permit': 'ACLs have no row',
  'endpoint/set_var': 'channel variables have no row',
  'inbound_auth/password': 'reserved', 'outbound_auth/password': 'credentials are compared by REGISTER, not by show',
};

export interface Target { kind: Kind; id: string; row: string }

/** The object and row that show a case's option; null for wizard-level options (objects only). */
export function targetOf(key: string, n: string): Target | null {
  const [prefix, name] = key.includes('/') ? key.split('/') as [string, string] : ['', key];
  switch (prefix) {
    case 'endpoint': return { kind: 'endpoint', id: n, row: name };
    case 'aor': return { kind: 'aor', id: n, row: name };
    case 'inbound_auth': return { kind: 'auth', id: `${n}-iauth`, row: name };
    case 'outbound_auth': return { kind: 'auth', id: `${n}-oauth`, row: name };
    case 'identify': return { kind: 'identify', id: `${n}-identify`, row: name };
    case 'registration': return { kind: 'registration', id: `${n}-reg-0`, row: name };
    default: return null;
  }
}

export interface Objects { endpoint: boolean; aor: boolean; iauth: boolean; oauth: boolean; identify: boolean; registration: boolean }

/** The objects the wizard makes from a section's effective options (res_pjsip_config_wizard.c handle_*). */
export function expectedObjects(opts: Record<string, string>): Objects {
  const t = (k: string) => opts[k] !== undefined && isTrue(opts[k]!);
  const hosts = (opts.remote_hosts ?? '') !== '';
  const oauth = t('sends_auth') && !!opts['outbound_auth/username'];
  return {
    endpoint: true,
    aor: true,
    // handle_auths stops at a failed outbound auth: sends_auth without a username makes neither
    iauth: t('accepts_auth') && !(t('sends_auth') && !opts['outbound_auth/username']),
    oauth,
    identify: !t('accepts_registrations') && !t('sends_line_with_registrations') && hosts,
    registration: t('sends_registrations') && hosts,
  };
}

const DSCP: Record<string, number> = { CS0: 0, CS1: 8, CS2: 16, CS3: 24, CS4: 32, CS5: 40, CS6: 48, CS7: 56, AF11: 10, AF12: 12, AF13: 14,
  AF21: 18, AF22: 20, AF23: 22, AF31: 26, AF32: 28, AF33: 30, AF41: 34, AF42: 36, AF43: 38, EF: 46 };

const BOOL_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on', 'no', 'false', 'n', 'f', '0', 'off']);

/** Is `shown` what `value` for `key` should print? `intended`: read numbers as plain decimal, as a person
 *  writing them means them (010 is ten), and words that are not a spelling as not what was meant. */
export function sameAsShown(key: string, value: string, shown: string, intended = false): boolean {
  const f = factOf(key);
  if (!f) return shown === value;
  switch (f.kind) {
    case 'bool': {
      if (intended && !BOOL_WORDS.has(value.toLowerCase())) return false;
      const want = isTrue(value);
      return /^(true|yes)$/i.test(shown) ? want : /^(false|no)$/i.test(shown) ? !want : false;
    }
    case 'uint':
      if (intended) return /^[0-9]+$/.test(value) && shown === String(Number(value));
      return shown === String(/^0[0-7]+$/.test(value) && !f.strict ? Number.parseInt(value, 8) : Number(value));
    case 'double': return Math.abs(Number(shown) - Number(value)) < 1e-6;
    case 'tos': return shown === String(/^[0-9]+$/.test(value) ? Number(value) : DSCP[value.toUpperCase()]! << 2);
    case 'enum': {
      const canon = (v: string) => {
        const l = v.toLowerCase();
        if (f.bools && isTrue(l)) return 'yes';
        if (f.bools && ['no', 'false', 'n', 'f', '0', 'off'].includes(l)) return 'no';
        if (l === 'reinvite') return 'invite';
        if (l === 'forced') return 'always';
        return l;
      };
      const items = f.list ? value.split(',').map((s) => canon(s.trim())) : [canon(value)];
      const shownItems = f.list ? shown.split(',').map((s) => s.trim().toLowerCase()) : [shown.toLowerCase()];
      return items.join(',') === shownItems.join(',');
    }
    case 'group': {
      const set = new Set<number>();
      if (!/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(value)) return false;
      for (const item of value.split(',')) {
        const [a, b] = item.split('-').map(Number) as [number, number?];
        if (b !== undefined && b < a) return false; // a backwards range selects nothing
        for (let x = a; x <= (b ?? a); x++) set.add(x);
      }
      if ([...set].some((x) => x > 63)) return false;
      const want = [...set].sort((x, y) => x - y).join(', ');
      // pjsip show cuts a long row at 127 characters
      return shown === want || (shown.length >= 120 && want.startsWith(shown));
    }
    case 'named-group': return shown.split(',').map((s) => s.trim()).sort().join(',') === value.split(',').sort().join(',');
    case 'security-mechanisms': return shown.split(',').map((s) => s.trim()).join(',') === value;
    case 'codec-prefs': {
      const items = shown.split(',').map((i) => i.replace(/\s+/g, ''));
      return value.split(',').every((i) => items.includes(i.replace(/\s+/g, '')));
    }
    case 'contact-uri': return value.split(',').includes(shown);
    case 'identify-match': return shown !== '';
    default: return shown === value;
  }
}
