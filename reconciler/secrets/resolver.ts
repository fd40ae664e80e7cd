// The reconciler's resolver: the secrets file and the age identity named in its config, re-read when
// they change on disk. `prepare(sources)` does the slow work before a compile; without it a cache
// miss is handled synchronously (a generated secret is saved at once, a sealed one opened in a child).
import { statSync } from 'node:fs';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import type { AuthSource, SecretResolver, SourceFile } from '../../compiler/types.js';
import { AgeError, decryptArmored } from './age.js';
import { decryptArmoredSync } from './decrypt-sync.js';
import { readPrivateFileSync } from './private-file.js';
import { openSecretStoreSync, takeOrGenerate, type SecretStore, type SecretsReport } from './store.js';

export interface HostSecretsConfig {
  /** the secrets file (YAML/JSON map name → password), mode 0600; must exist (it may be empty) */
  file?: string;
  /** the host's age identity file, mode 0600 */
  ageIdentity?: string;
}

export interface HostSecretResolver extends SecretResolver {
  /** before a compile: re-read the files, generate and save missing secrets, open sealed passwords */
  prepare(sources: SourceFile[]): Promise<SecretsReport>;
  /** what happened since the last prepare: generated secret names, extensions left unresolved */
  readonly report: SecretsReport;
}

/** `auth:` of every extension file among the sources (site.yaml and unparsable files skipped). */
export function authSourcesOf(sources: SourceFile[]): { extension: string; auth: AuthSource }[] {
  const out: { extension: string; auth: AuthSource }[] = [];
  for (const f of sources) {
    if (!/\.ya?ml$/.test(f.path) || /(^|\/)site\.ya?ml$/.test(f.path)) continue;
    const doc = parseDocument(f.text, { uniqueKeys: true });
    if (doc.errors.length || !isMap(doc.contents)) continue;
    const text = (node: unknown): string | undefined =>
      isScalar(node) ? ((node as Scalar).source ?? String((node as Scalar).value)) : undefined;
    const extension = text(doc.contents.get('extension', true)) ?? f.path.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    const auth = doc.contents.get('auth', true);
    if (!isMap(auth)) continue;
    const secret = text(auth.get('secret', true));
    const armored = text(auth.get('encrypted', true));
    const password = text(auth.get('password', true));
    if (secret !== undefined) out.push({ extension, auth: { kind: 'secret', name: secret } });
    else if (armored !== undefined) out.push({ extension, auth: { kind: 'encrypted', armored } });
    else if (password !== undefined) out.push({ extension, auth: { kind: 'password', value: password } });
  }
  return out;
}

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`;
  } catch {
    return 'missing';
  }
}

export async function createSecretResolver(cfg: HostSecretsConfig): Promise<HostSecretResolver> {
  let report: SecretsReport = { generated: [], unresolved: [] };
  let store: SecretStore | undefined;
  let storeError = '';
  let storeStamp = '';
  let identity: string | undefined;
  let identityError = '';
  let identityStamp = '';
  const opened = new Map<string, string>();
  const refused = new Map<string, string>();

  const unresolved = (extension: string, reason: string): undefined => {
    if (!report.unresolved.some((u) => u.extension === extension)) report.unresolved.push({ extension, reason });
    return undefined;
  };

  const currentStore = (): SecretStore | undefined => {
    if (!cfg.file) { storeError = 'no secrets file is configured on this host'; return undefined; }
    const stamp = stampOf(cfg.file);
    if (stamp !== storeStamp) {
      storeStamp = stamp;
      try {
        // never created here: a mistyped path would otherwise give every extension a new password
        store = openSecretStoreSync(cfg.file);
        storeError = '';
      } catch (err) {
        store = undefined;
        storeError = stamp === 'missing'
          ? `secrets file ${cfg.file} does not exist; create it once, empty, with: install -m 600 /dev/null ${cfg.file}`
          : (err as Error).message;
      }
    }
    return store;
  };

  const currentIdentity = (): string | undefined => {
    if (!cfg.ageIdentity) { identityError = 'no age identity is configured on this host'; return undefined; }
    const stamp = stampOf(cfg.ageIdentity);
    if (stamp !== identityStamp) {
      identityStamp = stamp;
      opened.clear();
      refused.clear();
      try {
        identity = readPrivateFileSync(cfg.ageIdentity);
        identityError = '';
      } catch (err) {
        identity = undefined;
        identityError = (err as Error).message;
      }
    }
    return identity;
  };

  const secretFor = (name: string, extension: string): string | undefined => {
    const s = currentStore();
    if (!s) return unresolved(extension, storeError);
    const r = takeOrGenerate(s, name);
    if (r.generated) {
      try {
        s.saveSync();
      } catch (err) {
        return unresolved(extension, (err as Error).message); // never deploy a password we could not keep
      }
      report.generated.push(name);
      storeStamp = stampOf(s.path);
    }
    return r.password;
  };

  const openSealed = (armored: string, extension: string): string | undefined => {
    const id = currentIdentity();
    if (id === undefined) return unresolved(extension, identityError);
    const key = armored.trim();
    const hit = opened.get(key);
    if (hit !== undefined) return hit;
    const no = refused.get(key);
    if (no !== undefined) return unresolved(extension, no);
    try {
      const password = decryptArmoredSync(key, id);
      opened.set(key, password);
      return password;
    } catch (err) {
      const reason = err instanceof AgeError ? err.message : 'cannot open the sealed password';
      refused.set(key, reason);
      return unresolved(extension, reason);
    }
  };

  const resolve = (auth: AuthSource, extension: string): string | undefined => {
    switch (auth.kind) {
      case 'password': return auth.value;
      case 'secret': return secretFor(auth.name, extension);
      case 'encrypted': return openSealed(auth.armored, extension);
    }
  };

  const prepare = async (sources: SourceFile[]): Promise<SecretsReport> => {
    report = { generated: [], unresolved: [] };
    const auths = authSourcesOf(sources);
    const s = auths.some((a) => a.auth.kind === 'secret') ? currentStore() : undefined;
    if (s) {
      for (const { auth } of auths) {
        if (auth.kind === 'secret' && takeOrGenerate(s, auth.name).generated) report.generated.push(auth.name);
      }
      try {
        await s.save();
        storeStamp = stampOf(s.path);
      } catch (err) {
        // never deploy a password we could not keep: forget the new ones, report them unresolved
        storeStamp = '';
        store = undefined;
        storeError = (err as Error).message;
        report.generated = [];
      }
    }
    const id = auths.some((a) => a.auth.kind === 'encrypted') ? currentIdentity() : undefined;
    for (const { extension, auth } of auths) {
      if (auth.kind === 'secret' && !store) unresolved(extension, storeError);
      if (auth.kind !== 'encrypted') continue;
      if (id === undefined) { unresolved(extension, identityError); continue; }
      const key = auth.armored.trim();
      if (!opened.has(key) && !refused.has(key)) {
        try {
          opened.set(key, await decryptArmored(key, id));
        } catch (err) {
          refused.set(key, err instanceof AgeError ? err.message : 'cannot open the sealed password');
        }
      }
      const no = refused.get(key);
      if (no !== undefined) unresolved(extension, no);
    }
    return report;
  };

  const resolver = Object.assign(resolve, { prepare }) as HostSecretResolver;
  return Object.defineProperty(resolver, 'report', { get: () => report, enumerable: true });
}
