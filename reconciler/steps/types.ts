// The shapes of one pass: what it needs (PassDeps), the run every phase steps through (PassRun), and
// what each phase hands the next. A phase takes the previous phase's result and returns its own, or
// a Stop: the order of the pass is in the types, and no step reads a field another may not have set.
import type { CompileOptions, CompileResult, SecretResolver, SourceFile } from '../../compiler/types.js';
import type { ReconcilerConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { ExtensionChanges, PassOutcome, PassResult, PendingWrite, Reason, StalledCompile, Status } from '../pass-types.js';
import type { Target } from '../target.js';

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
  /** connected by the pass's first step (Target.connect), so a refused target is a pass like any other */
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

/** How a pass ends early (or, from the deploy phase, at its end): the outcome and why. */
export class Stop {
  constructor(
    readonly result: PassOutcome,
    readonly reason: Reason,
    readonly message: string,
  ) {}
}

export type CompiledOk = Extract<CompileResult, { ok: true }>;

/** Bytes with their sha256 ('' for a missing file). */
export interface Content {
  data: Buffer;
  sha: string;
}

/** The live file as the pass found it (data null: no file). */
export interface LiveFile {
  data: Buffer | null;
  sha: string;
  /** known by its stat to be the file last read, so not read: `data` is null, `sha` is the file's */
  unread?: true;
}

/** The source phase's result: the commit to deploy and the live file as found. */
export interface Sourced {
  commit: string;
  /** everything that decides the compiled bytes */
  inputKey: string;
  live: LiveFile;
  /** a pending marker equal to the live file: the previous pass died between write and verify */
  resume: PendingWrite | undefined;
}

/** The compile phase's result: what the commit compiles to. */
export interface Compiled extends Sourced {
  compiled: CompiledOk;
  desired: Content;
}

/** The compare and guards phase's result: a change the guards and the host allow. */
export interface Checked extends Compiled {
  changes: ExtensionChanges;
  /** the live file was edited by hand since we wrote it */
  drift: boolean;
}

/**
 * What the pass's record (status, history, the verified copy) needs to know, noted by the steps as
 * they learn it — also when a later step stops or throws — and read once, when the pass ends.
 */
export interface PassNotes {
  commit?: string;
  live?: LiveFile;
  /** the commit's content, once it compiled */
  content?: { hash: string; extensions: string[]; inputKey: string; desired: Content };
  changes?: ExtensionChanges;
  drift: boolean;
  /** the new content is live (written, or already there): a failed reload or verify makes it failed content */
  written: boolean;
  /** the pending marker was found to announce a write that never landed */
  pendingCleared: boolean;
  reloads: number;
  /** formatted compile diagnostics of a commit that does not compile */
  diagnostics?: { list: string[]; count: number };
  /** the commit does not compile (found now, or known from an earlier pass with the same inputs) */
  stalledCompile?: StalledCompile;
}

type StepRecord = NonNullable<PassResult['steps']>[number];

/** One pass in progress: its inputs, the steps run so far (named and timed), and its notes. */
export class PassRun {
  readonly steps: StepRecord[] = [];
  readonly notes: PassNotes = { drift: false, written: false, pendingCleared: false, reloads: 0 };
  /** host warnings (transports, codecs, certificates) logged before the write */
  readonly warnings: string[] = [];

  constructor(
    readonly deps: PassDeps,
    /** the status as the pass found it (read-only: the pass's record is folded in by recordPass) */
    readonly status: Readonly<Status>,
    readonly options: { dryRun: boolean; retryFailed: boolean; trigger: string },
  ) {}

  /** Run one named step: its outcome (continue, stop, fail) and time go into the pass's history. */
  async step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await run();
      this.steps.push({ name, outcome: r instanceof Stop ? 'stop' : 'continue', ms: Math.round(performance.now() - t0) });
      return r;
    } catch (err) {
      this.steps.push({ name, outcome: 'fail', ms: Math.round(performance.now() - t0) });
      throw err;
    }
  }

  now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}
