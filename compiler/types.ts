// The compiler's data types: what goes in (source texts), what comes out (a wizard file or diagnostics).
// Nothing here touches the file system, git, the clock or the environment.
import type { Code, Severity } from './codes.js';
import type { GuardSettings } from './plan/guards.js';

/** One input file: its path relative to the extensions folder (`site.yaml`, `6001.yaml`) and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export type { Severity } from './codes.js';

/** A problem at a place. Codes never change once shipped; tests assert code and position. */
export interface Diagnostic {
  code: Code;
  severity: Severity;
  /** path as given in SourceFile.path ('' when the problem is not in one file) */
  file: string;
  /** 1-based; 0 when the problem has no position */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  message: string;
  /** what to do about it, one sentence */
  hint?: string;
}

/** Where a password comes from, as written in an extension's `auth:`. */
export type AuthSource =
  | { kind: 'password'; value: string }
  | { kind: 'secret'; name: string }
  | { kind: 'encrypted'; armored: string };

/**
 * Turns `{ secret }` and `{ encrypted }` into a password. Given by the caller (the reconciler on the
 * PBX host); without it, or when it answers undefined, the compiler writes UNRESOLVED_SECRET.
 */
export type SecretResolver = (auth: AuthSource, extension: string) => string | undefined;

/** Written in place of a password that could not be resolved; the reconciler refuses to deploy it. */
export const UNRESOLVED_SECRET = '!pjsip-gitops-unresolved-secret!';

/** Shown wherever a password would appear in a log, plan, diff or message. */
export const REDACTED = '(secret)';

export interface CompileOptions {
  secrets?: SecretResolver;
  /** named in the file's header, e.g. 'extensions/' */
  sourceLabel?: string;
}

/** One wizard option line: `key = value`. */
export interface WizardOption {
  key: string;
  value: string;
  /** true for inbound_auth/password and the like: never printed unredacted */
  secret?: boolean;
}

/** A `[name](templates)` section of pjsip_wizard.conf. */
export interface WizardSection {
  name: string;
  /** `(!)` template sections */
  isTemplate: boolean;
  /** templates it inherits, left to right */
  templates: string[];
  options: WizardOption[];
}

/** What an extension resolves to, for plans, verification and status. */
export interface ExtensionModel {
  number: string;
  name: string;
  template: string;
  file: string;
  transport?: string;
  codecs: string[];
  /** effective options after defaults and template, extension's own last (secrets excluded) */
  options: Record<string, string>;
  auth: AuthSource['kind'];
  /** sha256 of the resolved password, to tell "password changed" without showing it */
  passwordFingerprint: string;
}

export interface CompiledModel {
  profile: 'dev' | 'production';
  /** site.yaml's `guards:` as written; effectivePolicy (compiler/plan/guards.ts) fills the defaults */
  guards: GuardSettings;
  extensions: ExtensionModel[];
  sections: WizardSection[];
  /** transports named by templates, with their declared protocol */
  transports: Record<string, { protocol: string }>;
  /** codecs each template prefers first, for the host's translation check */
  preferredCodecs: Record<string, string>;
}

export type CompileResult =
  | {
      ok: true;
      /** the whole pjsip_wizard.conf text, secrets included */
      conf: string;
      /** the same text with every secret written as REDACTED */
      redacted: string;
      /** sha256 hex of the body (everything after the header); named in the header */
      hash: string;
      /** false when a secret is UNRESOLVED_SECRET: may be shown, never written to a PBX */
      deployable: boolean;
      model: CompiledModel;
      /** warnings only */
      diagnostics: Diagnostic[];
    }
  | { ok: false; diagnostics: Diagnostic[] };
