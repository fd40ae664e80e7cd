// What is a secret and how it is hidden, for every place that prints. The compiler's `secret` flags
// come first (the emitter, the plan); the words and patterns here are the backstop for any text
// that carries no flag (logs, diffs, excerpts, Asterisk's CLI output). Pure.
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { escapeValue } from './escape-value.js';
import { REDACTED } from './types.js';

/** The credential options of an auth object (inbound_auth/…, outbound_auth/…); `password` is also a transport's key passphrase. */
export const CREDENTIAL_OPTIONS = ['password', 'password_digest', 'md5_cred', 'oauth_secret', 'refresh_token'] as const;

/** Words that make a field name (YAML, JSON, a log field, `key = value`) a credential's, matched inside longer names. */
export const CREDENTIAL_WORDS = [...CREDENTIAL_OPTIONS, 'passwd', 'secret', 'private_?key', 'passphrase'] as const;

/** A log field named like this holds a secret or where one is (`ageIdentity`): its value is never printed. */
const FIELD_WORDS = [...CREDENTIAL_WORDS, 'identity'];

/** The extension file's key whose whole value is where a password comes from. */
export const AUTH_KEY = 'auth';

/** Known values shorter than this would blank out ordinary numbers and words; the key patterns cover them. */
export const MIN_KNOWN_SECRET = 3;

const alt = (words: readonly string[]) => words.join('|');

const CREDENTIAL_OPTION = new RegExp(`^(?:inbound_auth|outbound_auth)\\/(?:${alt(CREDENTIAL_OPTIONS)})$`, 'i');

/** A wizard option whose value is a credential: written (secret) wherever the file is shown. */
export function isSecretOption(key: string): boolean {
  return CREDENTIAL_OPTION.test(key);
}

// key material pasted where a path or a recipient belongs: an age identity, a PEM private key
// every AGE-SECRET-KEY- form (post-quantum identities too: AGE-SECRET-KEY-PQ-…)
const KEY_MATERIAL = /AGE-SECRET-KEY-[0-9A-Z-]+|-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/gi;

/** Where in `text` an age identity or a private key is: [start, end) pairs. */
export function keyMaterialSpans(text: string): [number, number][] {
  return [...text.matchAll(KEY_MATERIAL)].map((m) => [m.index!, m.index! + m[0].length]);
}

/** `text` with every age identity and private key written (secret). */
export function scrubKeyMaterial(text: string): string {
  return text.replace(KEY_MATERIAL, REDACTED);
}

// credentials in a URL (a git remote): `scheme://user:password@`, and a token alone before `@` in http(s)
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)[^\s/@]+@/gi;
const URL_TOKEN = /(\bhttps?:\/\/)[^\s/@:]+@/gi;

/** `text` with the userinfo credentials of every URL in it written (secret). */
export function scrubUrlCredentials(text: string): string {
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(URL_TOKEN, `$1${REDACTED}@`);
}

/** Replaces every known secret value, as written raw, in a wizard file (`;` → `\;`) or inside JSON; longest first. */
export function knownSecretRedactor(values: Iterable<string>): (text: string) => string {
  // a growing Set (the logger's learnt passwords) is indexed again only when it has grown: with
  // 10,000 passwords, building the index for every string of every log line cost seconds a pass
  if (values instanceof Set) {
    const memo = builtFor.get(values);
    if (memo && memo.size === values.size) return memo.redact;
    const redact = buildRedactor(values);
    builtFor.set(values, { size: values.size, redact });
    return redact;
  }
  return buildRedactor(values);
}

const builtFor = new WeakMap<Set<string>, { size: number; redact: (text: string) => string }>();

function buildRedactor(values: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_KNOWN_SECRET) continue;
    forms.add(v);
    forms.add(escapeValue(v));
    forms.add(JSON.stringify(v).slice(1, -1));
  }
  // longest first, so a secret containing another is replaced whole
  const list = [...forms].filter((f) => f.length >= MIN_KNOWN_SECRET).sort((a, b) => b.length - a.length);
  if (list.length <= 64) {
    return (text) => {
      let out = text;
      for (const f of list) if (out.includes(f)) out = out.split(f).join(REDACTED);
      return out;
    };
  }
  // many secrets: index them by their first MIN_KNOWN_SECRET characters and walk the text once,
  // replacing at each position the longest secret that starts there
  const byStart = new Map<string, string[]>();
  for (const f of list) {
    const k = f.slice(0, MIN_KNOWN_SECRET);
    const at = byStart.get(k);
    if (at) at.push(f); else byStart.set(k, [f]);
  }
  return (text) => {
    let out = '';
    let from = 0;
    for (let i = 0; i + MIN_KNOWN_SECRET <= text.length;) {
      const found = byStart.get(text.slice(i, i + MIN_KNOWN_SECRET))?.find((f) => text.startsWith(f, i));
      if (found) {
        out += text.slice(from, i) + REDACTED;
        i += found.length;
        from = i;
      } else {
        i++;
      }
    }
    return from === 0 ? text : out + text.slice(from);
  };
}

// `password = x`, `inbound_auth/password = x`, `md5_cred: x`, `secret=x`: the value after the key
const SECRET_FIELD = new RegExp(
  `^([ \\t]*[-+~ ]?[ \\t]*[\\w./-]*(?:${alt(CREDENTIAL_WORDS)})[\\w./-]*[ \\t]*(?:=>?|:)[ \\t]*)(\\S.*?)([ \\t]*)$`, 'gim');

/** Free text (a log message, a diff, a command's output) with known secrets, credential fields, URL credentials and key material hidden. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  const out = knownSecretRedactor(secrets)(scrubUrlCredentials(scrubKeyMaterial(text)));
  return out.replace(SECRET_FIELD, (_m, head: string, value: string, tail: string) =>
    value === REDACTED ? `${head}${value}${tail}` : `${head}${REDACTED}${tail}`);
}

const SECRET_KEY = new RegExp(alt(FIELD_WORDS), 'i');

/** A JSON-able value (log fields) with every string redacted, and the whole value of a credential-named field hidden. */
export function redactFields(value: unknown, secrets: Iterable<string> = [], key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) && value !== '' ? REDACTED : redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactFields(v, secrets, key));
  if (value instanceof Error) return redactText(value.message, secrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactFields(v, secrets, k);
    return out;
  }
  return value;
}

/** `ParameterName : value` rows of Asterisk's `pjsip show …` output with each credential row's value hidden. */
export function redactCliRows(text: string): string {
  return text.replace(new RegExp(`^(\\s*(?:${alt(CREDENTIAL_OPTIONS)})\\s*:).*$`, 'gm'), `$1 ${REDACTED}`);
}

/** `[section] key` of every credential line whose value differs between two wizard files. */
export function changedSecretLines(a: string, b: string): string[] {
  const read = (text: string) => {
    const out = new Map<string, string>();
    let section = '';
    for (const line of text.split('\n')) {
      const head = /^\[([^\]]*)\]/.exec(line);
      if (head) { section = head[1]!; continue; }
      const eq = line.indexOf('=');
      const key = eq > 0 ? line.slice(0, eq).trim() : '';
      if (key && isSecretOption(key)) out.set(`[${section}] ${key}`, line.slice(eq + 1).trim());
    }
    return out;
  };
  const before = read(a);
  const after = read(b);
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
}

// the value of a credential key on one YAML line: quoted, or plain up to `,` `}` `]` in a flow
// mapping, up to a ` #` comment otherwise (known values are caught whatever the line looks like)
const QUOTED = `"(?:[^"\\\\]|\\\\.)*"?|'(?:[^']|'')*'?`;
const KEY = `(\\b(?:${alt(CREDENTIAL_OPTIONS)})["']?[ \\t]*:[ \\t]*)`;
const FLOW_VALUE = new RegExp(`${KEY}(${QUOTED}|[^\\s,}\\]#][^,}\\]]*?)(?=[ \\t]*(?:[,}\\]]|[ \\t]#|$))`, 'i');
const IN_FLOW = new RegExp(`\\{[^}]*\\b(?:${alt(CREDENTIAL_OPTIONS)})["']?[ \\t]*:`, 'i');
const BLOCK_VALUE = new RegExp(`${KEY}(${QUOTED}|[^\\s#].*?)(?=[ \\t]+#|[ \\t]*$)`, 'i');

/** Where on one YAML source line a secret may be: key material, known values, the value of a credential key. */
export function lineSecretSpans(line: string, secrets: readonly string[]): [number, number][] {
  const spans = keyMaterialSpans(line);
  for (const s of secrets) {
    if (s.length < MIN_KNOWN_SECRET) continue;
    for (let i = line.indexOf(s); i >= 0; i = line.indexOf(s, i + s.length)) spans.push([i, i + s.length]);
  }
  // the first key only: a later one is in the comment at the end of the line
  const m = (IN_FLOW.test(line) ? FLOW_VALUE : BLOCK_VALUE).exec(line);
  if (m && m[2] !== REDACTED) spans.push([m.index + m[1]!.length, m.index + m[1]!.length + m[2]!.length]);
  return spans;
}

/** Whether a YAML path is inside an extension's `auth:`, where any word may be a password. */
export function underAuth(path: readonly (string | number)[]): boolean {
  return path.includes(AUTH_KEY);
}

/**
 * Where in a YAML text the scalars under an `auth:` key are, as [start, end) pairs: whatever is written
 * there (a mistyped key's value too, flow or block, over several lines) may be a password. A text with
 * YAML errors gives what its partial parse holds; the key patterns of lineSecretSpans still apply.
 */
export function authValueSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false });
  for (const doc of Array.isArray(docs) ? docs : []) {
    const secretIn = (node: unknown, depth: number): void => {
      if (depth > 64) return;
      if (isAlias(node)) return secretIn(node.resolve(doc as Document), depth + 1); // the anchored text is the value
      if (isScalar(node) && node.range) spans.push([node.range[0], node.range[1]]);
      else if (isSeq(node)) for (const item of node.items) secretIn(item, depth + 1);
      else if (isMap(node)) {
        for (const pair of node.items) {
          // `{ Hunter2 }` is a key without a value: the word itself may be the password
          if (pair.value === null) secretIn(pair.key, depth + 1);
          secretIn(pair.value, depth + 1);
        }
      }
    };
    const walk = (node: unknown, depth: number): void => {
      if (depth > 64) return;
      if (isSeq(node)) for (const item of node.items) walk(item, depth + 1);
      else if (isMap(node)) {
        for (const pair of node.items) {
          if (isPair(pair) && isScalar(pair.key) && pair.key.value === AUTH_KEY) secretIn(pair.value as Node | null, 0);
          else walk(pair.value, depth + 1);
        }
      }
    };
    walk(doc.contents, 0);
  }
  return spans;
}
