// The reconciler's resolver: the secrets file and the age identity named in its config, read afresh
// by `prepare(sources)` before each compile. The compiler's resolver is synchronous, so all slow and
// fallible work (reading, generating and saving, opening sealed passwords) happens in prepare; the
// resolver then only looks up what prepare found, and answers undefined (never deployed) otherwise.
import { stat } from 'node:fs/promises';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import type { AuthSource, SecretResolver, SourceFile } from '../../compiler/types.js';
import { readPrivateFile } from './private-file.js';
import { openSecretStore, prepareSecrets, SecretStore, type PreparedSecretResolver, type SecretsReport } from './store.js';

export interface HostSecretsConfig {
  /** the secrets file (YAML/JSON map name → password), mode 0600; must exist (it may be empty) */
  file?: string;
  /** the host's age identity file, mode 0600 */
  ageIdentity?: string;
}

export interface HostSecretResolver extends SecretResolver {
  /** before a compile: read the files, generate and save missing secrets, open sealed passwords */
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export async function createSecretResolver(cfg: HostSecretsConfig): Promise<HostSecretResolver> {
  let prepared: PreparedSecretResolver | undefined;
  const empty: SecretsReport = { generated: [], unresolved: [] };

  const resolve = (auth: AuthSource, extension: string): string | undefined =>
    auth.kind === 'password' ? auth.value : prepared?.(auth, extension);

  const openStore = async (): Promise<{ store?: SecretStore; error: string }> => {
    if (!cfg.file) return { error: 'no secrets file is configured on this host' };
    // never created here: a mistyped path would otherwise give every extension a new password
    if (!(await exists(cfg.file))) {
      return { error: `secrets file ${cfg.file} does not exist; create it once, empty, with: install -m 600 /dev/null ${cfg.file}` };
    }
    try {
      return { store: await openSecretStore(cfg.file), error: '' };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  const readIdentity = async (): Promise<{ identity?: string; error: string }> => {
    if (!cfg.ageIdentity) return { error: 'no age identity is configured on this host' };
    try {
      return { identity: await readPrivateFile(cfg.ageIdentity), error: '' };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  const prepare = async (sources: SourceFile[]): Promise<SecretsReport> => {
    const auths = authSourcesOf(sources);
    const needs = (kind: AuthSource['kind']) => auths.some((a) => a.auth.kind === kind);
    let { store, error: storeError } = needs('secret') ? await openStore() : { store: undefined, error: '' };
    const { identity, error: identityError } = needs('encrypted') ? await readIdentity() : { identity: undefined, error: '' };
    const run = (withSecrets: boolean) => prepareSecrets(
      auths.filter((a) => a.auth.kind !== 'secret' || withSecrets), store ?? new SecretStore('', new Map()), identity, identityError);
    try {
      prepared = await run(store !== undefined);
    } catch (err) {
      // the secrets file could not be saved: never deploy a password we could not keep
      storeError = (err as Error).message;
      store = undefined;
      prepared = await run(false);
    }
    if (!store) {
      for (const a of auths) if (a.auth.kind === 'secret') prepared.report.unresolved.push({ extension: a.extension, reason: storeError });
    }
    return prepared.report;
  };

  const resolver = Object.assign(resolve, { prepare }) as HostSecretResolver;
  return Object.defineProperty(resolver, 'report', { get: () => prepared?.report ?? empty, enumerable: true });
}
