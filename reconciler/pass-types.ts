// The shapes a pass leaves behind — its result, the status file, what is live — in one module that
// imports nothing, so that state, steps, outcome and the CLI can all share them without a cycle.

export type PassOutcome =
  | 'applied' | 'unchanged' | 'drift-corrected' | 'drift-reported'
  | 'failed' | 'stalled' | 'transient' | 'dry-run' | 'suspended';

export type Condition = 'Ready' | 'Failed' | 'Stalled';

/** What happens after a failure: transient → retry with backoff; stalled → wait for a new commit or a host fix; failed → rolled back. */
export type ErrorKind = 'transient' | 'stalled' | 'failed';

/** Stable reason codes: status files, metrics and alerts match on them; never rename one. */
export type Reason =
  | 'Applied' | 'Unchanged' | 'DriftCorrected' | 'DriftDetected' | 'DryRun' | 'Suspended'
  | 'FetchFailed' | 'SourceMissing' | 'SignatureInvalid' | 'CompileFailed' | 'SecretsUnresolved'
  | 'GuardRefused' | 'TransportMissing' | 'CodecUntranslatable' | 'TransportCertificateInvalid' | 'HostReferenceMissing'
  | 'RealtimeNotConfigured'
  | 'AsteriskUnreachable' | 'AsteriskTimeout' | 'AsteriskBooting' | 'ReloadInProgress'
  | 'AsteriskCommandUnknown' | 'AsteriskUnexpectedOutput' | 'ReloadModuleMissing' | 'ReloadFailed' | 'VerifyFailed'
  | 'WriteFailed' | 'TargetUnreachable' | 'TargetRefused' | 'LiveFileNotRegular' | 'LiveFileTooLarge' | 'Internal';

export interface ExtensionChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

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
  /** extensions added/removed/changed by the change (numbers; the status file keeps the first few of each) */
  changes?: ExtensionChanges;
  /** how many there were in each list of `changes`, when the status file keeps only the first few */
  changesCount?: { added: number; removed: number; changed: number };
  /** a dry run's view of the change (never recorded: dry runs are not) */
  preview?: DryRunPreview;
}

/** What a dry run would change, in Asterisk's terms and as a redacted diff of the live file. */
export interface DryRunPreview {
  /** one line per change, as `plan` prints them: `+ 6024 softphone "Reception"`, `6003 password changed` */
  lines: string[];
  /** the change list behind the lines (compiler/plan/compare.ts ModelChanges; no password value in it) */
  changes: { added: unknown[]; removed: unknown[]; changed: unknown[]; site: unknown[] };
  /** the unified diff live → desired, passwords written as (secret); '' when the bytes are equal */
  diff: string;
}

/** Writes paused by `pjsip-gitops suspend` (its own file in the state dir; see reconciler/suspension.ts). */
export interface Suspension {
  reason: string;
  /** when it was suspended (ISO time) */
  since: string;
  /** who ran `suspend` (the user name), when known */
  by?: string;
}

/** A reload that succeeded: the next reload's timeout scales from it (reconciler/reload-timeout.ts). */
export interface LastReload {
  durationMs: number;
  /** endpoints in the file it reloaded */
  endpoints: number;
  time: string;
}

export interface LastApplied {
  commit: string;
  /** the compiler's content hash (named in the file's header) */
  hash: string;
  /** sha256 of the whole file as written: what the live file must equal */
  fileSha256: string;
  /** what went into the compile (commit, config, secrets): equal key + equal live file → no recompile */
  inputKey?: string;
  /** the extensions it held, for the deletion guard and verify */
  extensions?: string[];
  time: string;
}

/**
 * Set just before the new file may become live, cleared once the pass knows the file's state.
 * Still set at the start of a pass and equal to the live file → the previous one died between
 * write and verify: redo them. Not equal → that write never landed: the marker is dropped.
 */
export interface PendingWrite {
  commit: string;
  fileSha256: string;
  since: string;
  pid: number;
  /** the backup of the file before it ('' when there was none) */
  backup: string;
}

export interface StalledCompile {
  inputKey: string;
  commit: string;
  message: string;
  /** the first DIAGNOSTICS_KEPT of them */
  diagnostics: string[];
  diagnosticsCount: number;
}

export interface Status {
  version: 1;
  /** set while writes are suspended: read from the suspension file, which is what counts */
  suspended?: Suspension;
  lastApplied?: LastApplied;
  lastAttempt?: { time: string; commit?: string; result: PassOutcome; reason: string };
  /**
   * content that was written and did not reload or verify, whatever the rollback did: never called
   * Ready while live; automatic passes do not retry it unless the failure was transient (see runPass)
   */
  lastFailed?: { commit: string; fileSha256: string; reason: string; message: string; time: string; transient?: boolean };
  pending?: PendingWrite;
  /** the newest reload that succeeded (a rollback's included) */
  lastReload?: LastReload;
  /** a commit known not to compile, by everything that goes into the compile: automatic passes do not compile it again */
  stalledCompile?: StalledCompile;
  condition: { type: Condition; reason: string; message: string; since: string };
  /** newest first, at most HISTORY_SIZE */
  history: PassResult[];
  counters: {
    passes: Partial<Record<PassOutcome, number>>;
    reloads: number;
    driftEvents: number;
    lastSuccessTime?: string;
  };
}
