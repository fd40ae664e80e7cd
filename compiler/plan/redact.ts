// The last line of defence for plans: every plaintext password known on either side is replaced by
// (secret) in whatever is printed, even though the plan is built from redacted texts already.
import { parseDocument } from 'yaml';
import { AUTH_KEY, knownSecretRedactor } from '../secrets-policy.js';
import { UNRESOLVED_SECRET, type CompileResult, type SourceFile } from '../types.js';

const MAX_ALIASES = 100;

/** Passwords written in extension files (`auth: { password }`), whether or not the files compile. */
export function sourcePasswords(sources: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const s of sources) {
    if (!s.text.includes('password')) continue; // most files name a secret: skip parsing them
    const doc = parseDocument(s.text, { uniqueKeys: false });
    let auth: { password?: unknown } | undefined;
    let readable = doc.errors.length === 0;
    try {
      // the compiler accepts a few aliases; more (or a bomb) throws here, and the text is searched instead
      if (readable) auth = (doc.toJS({ maxAliasCount: MAX_ALIASES }) as Record<string, { password?: unknown }> | null)?.[AUTH_KEY];
    } catch {
      readable = false;
    }
    if (auth && (typeof auth.password === 'string' || typeof auth.password === 'number')) out.push(String(auth.password));
    // a file that does not parse may still hold one: take anything after `password:`
    if (!readable) {
      // comments first: `# dev password: dev profile only` names no password
      const code = s.text.split('\n').map((line) => line.replace(/(^|\s)#.*$/, '')).join('\n');
      for (const m of code.matchAll(/\bpassword\s*:\s*(?:"([^"]*)"|'([^']*)'|([^\s,}#]+))/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
    }
  }
  return out;
}

/** Passwords in a compiled result (resolved ones; never the unresolved placeholder). */
export function compiledPasswords(result: CompileResult | undefined): string[] {
  if (!result?.ok) return [];
  return result.model.sections.flatMap((s) => s.options.filter((o) => o.secret && o.value !== UNRESOLVED_SECRET).map((o) => o.value));
}

export type Redactor = (text: string) => string;

/** The passwords' forms in a wizard file, in JSON and as written, replaced wherever they appear. */
export function redactor(passwords: Iterable<string>): Redactor {
  return knownSecretRedactor(passwords);
}

/** Applies a redactor to every string in a JSON-able value. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v, redact)])) as T;
  }
  return value;
}
