// The host secrets file: a YAML (or JSON) map of secret name → password, outside Git, mode 0600.
// `auth: { secret: NAME }` resolves here; a name with no password yet gets a generated one.
import { isMap, isScalar, parseDocument, Document, LineCounter } from 'yaml';
import type { AuthSource, SecretResolver } from '../../compiler/types.js';
import { AgeError, decryptArmored } from './age.js';
import { generatePassword } from './generate.js';
import { PrivateFileError, readPrivateFile, writePrivateFileAtomic } from './private-file.js';

export class SecretsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsFileError';
  }
}

const HEADER = 'pjsip-gitops host secrets: name → password. Keep this file mode 0600 and out of Git.';

export class SecretStore {
  private dirty = false;

  constructor(readonly path: string, private readonly entries: Map<string, string>) {}

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  set(name: string, password: string): void {
    if (!name.trim()) throw new SecretsFileError('a secret needs a name');
    if (this.entries.get(name) === password) return;
    this.entries.set(name, password);
    this.dirty = true;
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Writes the file (atomically, 0600) when something changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    try {
      await writePrivateFileAtomic(this.path, this.text());
    } catch (err) {
      throw new SecretsFileError(err instanceof Error ? err.message : String(err));
    }
    this.dirty = false;
  }

  private text(): string {
    const doc = new Document(Object.fromEntries([...this.entries].sort(([a], [b]) => a.localeCompare(b))));
    doc.commentBefore = ` ${HEADER}`;
    return doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  }
}

/** Parse the file's text; errors name lines and keys, never values. */
export function parseSecrets(text: string, path: string): Map<string, string> {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a password
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const where = `line ${lineCounter.linePos(first.pos[0]).line}`;
    throw new SecretsFileError(`${path}: ${where}: not valid YAML or JSON (${first.code})`);
  }
  const entries = new Map<string, string>();
  if (doc.contents === null) return entries; // an empty file: no secrets yet
  if (!isMap(doc.contents)) throw new SecretsFileError(`${path}: must be a map of secret name → password`);
  for (const item of doc.contents.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    if (!key) throw new SecretsFileError(`${path}: every secret needs a plain name as its key`);
    const value = item.value;
    // a number loses leading zeros (0755 → 755) and a bool is not a password: insist on text
    if (!isScalar(value) || typeof value.value !== 'string') {
      throw new SecretsFileError(`${path}: the value of '${key}' must be a quoted string`);
    }
    entries.set(key, value.value);
  }
  return entries;
}

/**
 * Open the secrets file. A missing file is an error unless `createIfMissing` (then it is written
 * on the first save): a mistyped path must not silently give every extension a new password.
 */
export async function openSecretStore(path: string, opts: { createIfMissing?: boolean } = {}): Promise<SecretStore> {
  let text: string;
  try {
    text = await readPrivateFile(path);
  } catch (err) {
    if (err instanceof PrivateFileError && err.missing && opts.createIfMissing) return new SecretStore(path, new Map());
    throw new SecretsFileError(err instanceof Error ? err.message : String(err));
  }
  return new SecretStore(path, parseSecrets(text, path));
}

/** The stored password for `name`, or a new generated one (stored and saved at once). */
export async function resolveOrGenerate(store: SecretStore, name: string): Promise<{ password: string; generated: boolean }> {
  const r = takeOrGenerate(store, name);
  if (r.generated) await store.save();
  return r;
}

export function takeOrGenerate(store: SecretStore, name: string): { password: string; generated: boolean } {
  const existing = store.get(name);
  if (existing !== undefined) return { password: existing, generated: false };
  const password = generatePassword();
  store.set(name, password);
  return { password, generated: true };
}

/**
 * The compiler's resolver over what is already known: plaintext as written, `secret` from the
 * store, `encrypted` from `opened` (armored text → password). Anything else: undefined.
 */
export function makeSecretResolver(store: SecretStore, opened: ReadonlyMap<string, string> = new Map()): SecretResolver {
  return (auth: AuthSource) => {
    switch (auth.kind) {
      case 'password': return auth.value;
      case 'secret': return store.get(auth.name);
      case 'encrypted': return opened.get(auth.armored.trim());
    }
  };
}

export interface SecretsReport {
  /** secret names given a new generated password in this run */
  generated: string[];
  /** extensions whose password could not be found or opened, with why (never a value) */
  unresolved: { extension: string; reason: string }[];
}

export type PreparedSecretResolver = SecretResolver & { report: SecretsReport };

/**
 * Does the slow and fallible work before the (synchronous) compile: generates and saves missing
 * secrets, opens every sealed password with the host's age identity (identity file text).
 */
export async function prepareSecrets(
  authSources: { extension: string; auth: AuthSource }[],
  store: SecretStore,
  identity?: string,
  /** why there is no identity, when there is none */
  noIdentity = 'no age identity is configured on this host',
): Promise<PreparedSecretResolver> {
  const report: SecretsReport = { generated: [], unresolved: [] };
  const opened = new Map<string, string>();
  const failed = new Map<string, string>();
  for (const { extension, auth } of authSources) {
    if (auth.kind === 'secret') {
      if (takeOrGenerate(store, auth.name).generated) report.generated.push(auth.name);
    } else if (auth.kind === 'encrypted') {
      const key = auth.armored.trim();
      if (opened.has(key)) continue;
      let reason = failed.get(key);
      if (reason === undefined) {
        if (identity === undefined) {
          reason = noIdentity;
        } else {
          try {
            opened.set(key, await decryptArmored(key, identity));
            continue;
          } catch (err) {
            reason = err instanceof AgeError ? err.message : 'cannot open the sealed password';
          }
        }
        failed.set(key, reason);
      }
      report.unresolved.push({ extension, reason });
    }
  }
  await store.save();
  const resolve = makeSecretResolver(store, opened);
  return Object.assign((auth: AuthSource, extension: string) => resolve(auth, extension), { report });
}
