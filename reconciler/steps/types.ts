// The shapes of one pass: its result, the context every step reads and fills, and a step.
import type { CompileOptions, CompileResult, SecretResolver, SourceFile } from '../../compiler/types.js';
import type { ReconcilerConfig } from '../config.js';
import type { Reason } from '../errors.js';
import type { Logger } from '../log.js';
import type { LastApplied, StalledCompile, Status } from '../state.js';
import type { Target } from '../target.js';

export type PassOutcome =
  | 'applied' | 'unchanged' | 'drift-corrected' | 'drift-reported'
  | 'failed' | 'stalled' | 'transient' | 'dry-run';

export type Condition = 'Ready' | 'Failed' | 'Stalled';

export interface PassResult {
  result: PassOutcome;
  condition: Condition;
  /** stable code: Applied, Unchanged, CompileFailed, ReloadFailed, VerifyFailed, GuardRefused, FetchFailed, … */
  reason: Reason | string;
  message: string;
  commit?: string;
  /** the compiled content hash */
  hash?: string;
  reloaded: boolean;
  /** how many reloads ran (2 after a rollback) */
  reloadCount?: number;
  transient: boolean;
  /** what triggered the pass: 'apply', 'interval', 'sighup', 'drift', 'demo', … */
  trigger?: string;
  startedAt: string;
  durationMs: number;
  /** the steps that ran, in order, with what each decided */
  steps?: { name: string; outcome: 'continue' | 'stop' | 'fail'; ms: number }[];
  /** compile diagnostics (errors) for a Stalled CompileFailed, already formatted as file:line:col CODE message */
  diagnostics?: string[];
  /** how many there were (the status file keeps only the first few of `diagnostics`) */
  diagnosticsCount?: number;
  /** extensions added/removed/changed by the change (numbers) */
  changes?: { added: string[]; removed: string[]; changed: string[] };
}

/** The source of the desired state: the checkout of the remote branch. */
export interface PassSource {
  /** fetch and (unless dryRun) hard-reset to the remote branch head; returns the commit id */
  update(dryRun: boolean): Promise<string>;
  /** the extension files at that commit, read from git objects */
  read(commit: string): Promise<SourceFile[]>;
  /** throws a stalled PassError when the commit's signature is required and not good */
  verifySignature?(commit: string): Promise<void>;
}

export interface PassDeps {
  config: ReconcilerConfig;
  source: PassSource;
  target: Target;
  log: Logger;
  compile(sources: SourceFile[], options?: CompileOptions): CompileResult;
  /** host secrets for `{ secret }` / `{ encrypted }`; absent when no secrets are configured */
  secrets?: SecretResolver;
  /** before the compile: generate missing { secret } passwords, open { encrypted } ones (reconciler/secrets) */
  prepareSecrets?(sources: SourceFile[]): Promise<{ generated: string[]; unresolved: { extension: string; reason: string }[] }>;
  /** folded into the no-recompile key: a changed secrets file must cause a compile */
  secretsFingerprint?(): Promise<string>;
  clock?(): Date;
}

export interface PassContext {
  deps: PassDeps;
  dryRun: boolean;
  retryFailed: boolean;
  trigger: string;
  status: Status;
  commit?: string;
  inputKey?: string;
  sources?: SourceFile[];
  compiled?: Extract<CompileResult, { ok: true }>;
  desired?: Buffer;
  desiredSha?: string;
  /** live file bytes before the pass (null: no file) */
  live?: Buffer | null;
  liveSha?: string;
  drift?: boolean;
  backupPath?: string;
  /** the live file before this pass (or before an interrupted one); a rollback goes to it only when it verified, or when nothing did */
  previous?: Buffer | null;
  /** the new content is live (written, or already there): a failed reload or verify makes it failed content */
  written?: boolean;
  /** the pending marker was found to announce a write that never landed */
  pendingCleared?: boolean;
  reloads: number;
  changes?: { added: string[]; removed: string[]; changed: string[] };
  warnings: string[];
  /** extensions whose password could not be opened, with why (never a value) */
  unresolved?: { extension: string; reason: string }[];
  /** formatted compile diagnostics of a commit that does not compile */
  diagnostics?: string[];
  diagnosticsCount?: number;
  /** the commit does not compile (found now, or known from an earlier pass with the same inputs) */
  stalledCompile?: StalledCompile;
  /** set by the step that finished the pass */
  lastApplied?: LastApplied;
}

export type StepResult =
  | { outcome: 'continue' }
  | { outcome: 'stop'; result: PassOutcome; reason: Reason; message: string };

export interface Step {
  name: string;
  run(ctx: PassContext): Promise<StepResult>;
}
