// The reconciler's configuration file: YAML checked against schemas/reconciler.schema.json, with
// every problem reported at its file:line:col, then filled with defaults and made absolute.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { diagnosticsFor, parseYamlSource, schemaDiagnostics } from '../compiler/yaml-source.js';
import type { GuardSettings } from '../compiler/plan/guards.js';
import type { Diagnostic } from '../compiler/types.js';
import schema from '../schemas/reconciler.schema.json' with { type: 'json' };

export type TargetKind = 'local' | 'docker' | 'ssh';

export interface ReconcilerConfig {
  /** the config file's absolute path ('' when built in code) */
  file: string;
  source: {
    /** a clone URL, or an absolute path */
    repo: string;
    branch: string;
    extensionsPath: string;
    intervalMs: number;
    jitter: number;
    checkoutDir: string;
    verify?: { allowedSignersFile?: string; gpgHome?: string };
  };
  target: {
    kind: TargetKind;
    liveFile: string;
    mode: number;
    container?: string;
    ssh?: { host: string; port: number; user: string; privateKey: string; hostKeyFingerprint: string };
    /** file: write pjsip_wizard.conf and reload; realtime-sqlite: write the changed rows of the realtime tables, no reload */
    strategy: 'file' | 'realtime-sqlite';
    /** realtime-sqlite: the SQLite file res_config_sqlite3 reads, a path on the target */
    realtime?: { database: string };
  };
  asterisk: { cli: string[]; reload: string[]; timeoutMs: number };
  verify: boolean;
  stateDir: string;
  /** as written: site.yaml's `guards:` decide, these can only tighten them (compiler/plan/guards.ts effectivePolicy) */
  guards: GuardSettings;
  drift: { mode: 'correct' | 'report' };
  secrets?: { file?: string; ageIdentity?: string };
  http?: { listen: string };
}

export const DEFAULTS = {
  branch: 'main',
  extensionsPath: 'extensions',
  intervalMs: 60_000,
  jitter: 0.1,
  liveFile: '/etc/asterisk/pjsip_wizard.conf',
  mode: 0o640,
  cli: ['asterisk', '-rx'],
  reload: ['asterisk', '-rx', 'module reload res_pjsip.so'],
  timeoutMs: 30_000,
  stateDir: '/var/lib/pjsip-gitops',
  maxDeletions: 5,
  sshPort: 22,
} as const;

export class ConfigError extends Error {
  constructor(readonly file: string, readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatConfigDiagnostic(d)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatConfigDiagnostic(d: Diagnostic): string {
  const at = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return `${at}  ${d.code}  ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true })
    .compile(schema);
  return validator;
}

/** Read, check and resolve a config file; throws ConfigError listing every problem. */
export async function loadConfig(path: string): Promise<ReconcilerConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ConfigError(path, [{ code: 'CONFIG_UNREADABLE', severity: 'error', file: path, line: 0, col: 0, endLine: 0, endCol: 0,
      message: `cannot read the config file (${code})`, hint: 'pass the path of a reconciler config with --config' }]);
  }
  return parseConfig(text, file, path);
}

/** The same from a text; `shownAs` is the name used in diagnostics. */
export function parseConfig(text: string, file: string, shownAs = file): ReconcilerConfig {
  const parsed = parseYamlSource({ path: shownAs, text });
  if (parsed.findings.length) throw new ConfigError(shownAs, diagnosticsFor(parsed, parsed.findings));
  const check = validate();
  const value = parsed.value ?? {};
  if (!check(value)) throw new ConfigError(shownAs, schemaDiagnostics(parsed, check.errors ?? []));
  return resolveConfig(value as RawConfig, file);
}

interface RawConfig {
  source: { repo: string; branch?: string; extensionsPath?: string; interval?: number | string; jitter?: number;
    checkoutDir?: string; verify?: { allowedSignersFile?: string; gpgHome?: string } };
  target?: { kind?: TargetKind; liveFile?: string; mode?: string; container?: string; host?: string; port?: number;
    user?: string; privateKey?: string; hostKeyFingerprint?: string; strategy?: 'file' | 'realtime-sqlite';
    realtime?: { database: string } };
  asterisk?: { cli?: string[]; reload?: string[]; timeout?: number | string };
  verify?: boolean;
  stateDir?: string;
  guards?: { maxDeletions?: number; allowEmpty?: boolean };
  drift?: { mode?: 'correct' | 'report' };
  secrets?: { file?: string; ageIdentity?: string };
  http?: { listen: string };
}

/** `30` (seconds), `500ms`, `30s`, `5m`, `1h` → milliseconds. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** A clone URL (scheme:// or scp-like user@host:path) stays as written; anything else is a path. */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/@\s]+@[^/:\s]+:/.test(repo);
}

/** Fill defaults and make paths absolute against the config file's folder. */
export function resolveConfig(raw: RawConfig, file: string): ReconcilerConfig {
  const base = file ? dirname(file) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const stateDir = abs(raw.stateDir ?? DEFAULTS.stateDir);
  const kind = raw.target?.kind ?? 'local';
  const t = raw.target ?? {};
  const cfg: ReconcilerConfig = {
    file,
    source: {
      repo: isRemoteUrl(raw.source.repo) ? raw.source.repo : abs(raw.source.repo),
      branch: raw.source.branch ?? DEFAULTS.branch,
      extensionsPath: (raw.source.extensionsPath ?? DEFAULTS.extensionsPath).replace(/^\.\/+|\/+$/g, '') || '.',
      intervalMs: raw.source.interval === undefined ? DEFAULTS.intervalMs : durationMs(raw.source.interval),
      jitter: raw.source.jitter ?? DEFAULTS.jitter,
      checkoutDir: raw.source.checkoutDir ? abs(raw.source.checkoutDir) : resolve(stateDir, 'checkout'),
    },
    target: {
      kind,
      // a path on the PBX for ssh; on this machine otherwise
      liveFile: kind === 'ssh' ? (t.liveFile ?? DEFAULTS.liveFile) : abs(t.liveFile ?? DEFAULTS.liveFile),
      mode: t.mode ? parseInt(t.mode, 8) : DEFAULTS.mode,
      strategy: t.strategy ?? 'file',
    },
    asterisk: {
      cli: raw.asterisk?.cli ?? [...DEFAULTS.cli],
      reload: raw.asterisk?.reload ?? [...DEFAULTS.reload],
      timeoutMs: raw.asterisk?.timeout === undefined ? DEFAULTS.timeoutMs : durationMs(raw.asterisk.timeout),
    },
    verify: raw.verify ?? true,
    stateDir,
    guards: {
      ...(raw.guards?.maxDeletions !== undefined ? { maxDeletions: raw.guards.maxDeletions } : {}),
      ...(raw.guards?.allowEmpty !== undefined ? { allowEmpty: raw.guards.allowEmpty } : {}),
    },
    drift: { mode: raw.drift?.mode ?? 'correct' },
  };
  if (raw.source.verify) {
    cfg.source.verify = {};
    if (raw.source.verify.allowedSignersFile) cfg.source.verify.allowedSignersFile = abs(raw.source.verify.allowedSignersFile);
    if (raw.source.verify.gpgHome) cfg.source.verify.gpgHome = abs(raw.source.verify.gpgHome);
  }
  if (kind === 'docker' && t.container) cfg.target.container = t.container;
  // a path on the target, like liveFile
  if (t.realtime) cfg.target.realtime = { database: kind === 'local' ? abs(t.realtime.database) : t.realtime.database };
  if (kind === 'ssh' && t.host && t.user && t.privateKey && t.hostKeyFingerprint) {
    cfg.target.ssh = { host: t.host, port: t.port ?? DEFAULTS.sshPort, user: t.user, privateKey: abs(t.privateKey),
      hostKeyFingerprint: t.hostKeyFingerprint };
  }
  if (raw.secrets) {
    cfg.secrets = {};
    if (raw.secrets.file) cfg.secrets.file = abs(raw.secrets.file);
    if (raw.secrets.ageIdentity) cfg.secrets.ageIdentity = abs(raw.secrets.ageIdentity);
  }
  if (raw.http) cfg.http = { listen: raw.http.listen };
  return cfg;
}

/** A config built in code (tests, the demo): the same defaults as a file. */
export function configFrom(raw: RawConfig, baseFile = ''): ReconcilerConfig {
  return resolveConfig(raw, baseFile);
}

export type { RawConfig };
