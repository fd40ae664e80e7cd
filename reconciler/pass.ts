// One reconcile pass: a list of named steps, each `(ctx) → continue | stop`, run in order until one
// stops or throws; the status is written in a `finally`, whatever happened. The caller holds the lock.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { compile } from '../compiler/compile.js';
import type { SecretResolver } from '../compiler/types.js';
import type { ReconcilerConfig } from './config.js';
import { PassError, fetchError, messageOf, stalled, type ErrorKind } from './errors.js';
import { ensureClone, fetchAndReset, readSourcesAtRev } from './git.js';
import { createLogger, type Logger } from './log.js';
import { readStatusChecked, recordPass, saveVerifiedCopy, type LastApplied } from './state.js';
import { compareStep, knownFailureStep } from './steps/compare.js';
import { backupStep, dryRunStep, reloadStep, verifyStep, writeStep } from './steps/deploy.js';
import { guardStep, hostCheckStep } from './steps/guards.js';
import { compileStep, fetchStep, knownCompileFailureStep, readLiveStep, signatureStep, upToDateStep } from './steps/source.js';
import type { Condition, PassContext, PassDeps, PassOutcome, PassResult, PassSource, Step } from './steps/types.js';
import type { HostSecretResolver } from './secrets/resolver.js';
import type { Target } from './target.js';
import { createTarget } from './targets/index.js';

export type { PassDeps, PassResult, PassSource, PassOutcome, Condition } from './steps/types.js';

/** The order of a pass. Each step is small and lives in reconciler/steps/. */
export const STEPS: readonly Step[] = [
  fetchStep, signatureStep, readLiveStep, upToDateStep, knownCompileFailureStep, compileStep, compareStep,
  knownFailureStep, guardStep, hostCheckStep, dryRunStep, backupStep, writeStep, reloadStep, verifyStep,
];

const CONDITION: Record<PassOutcome, Condition> = {
  applied: 'Ready', unchanged: 'Ready', 'drift-corrected': 'Ready', 'dry-run': 'Ready',
  'drift-reported': 'Stalled', stalled: 'Stalled', failed: 'Failed', transient: 'Failed',
};
const AUTOMATIC_TRIGGERS = new Set(['interval', 'backoff']);
const OUTCOME_OF: Record<ErrorKind, PassOutcome> = { transient: 'transient', stalled: 'stalled', failed: 'failed' };

export interface PassOptions {
  dryRun?: boolean;
  /**
   * Deploy content whose last deploy failed and was rolled back. Default: yes, except for the
   * loop's automatic passes ('interval', 'backoff'), which wait for a new commit instead of
   * reloading Asterisk twice per interval with content already known to fail.
   */
  retryFailed?: boolean;
  /** what started the pass, for logs and history: 'apply', 'interval', 'sighup', 'drift', … */
  trigger: string;
}

export async function runPass(deps: PassDeps, opts: PassOptions): Promise<PassResult> {
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();
  const t0 = performance.now();
  const dryRun = opts.dryRun ?? false;
  const retryFailed = opts.retryFailed ?? !AUTOMATIC_TRIGGERS.has(opts.trigger);
  const { status, repairs } = await readStatusChecked(deps.config.stateDir);
  // the pass's own status write puts the repaired file in place
  if (repairs.length) deps.log.warn('status.repaired', { file: 'status.json', repairs });
  const ctx: PassContext = { deps, dryRun, retryFailed, trigger: opts.trigger, status, reloads: 0, warnings: [] };
  const steps: NonNullable<PassResult['steps']> = [];
  let end: { result: PassOutcome; reason: string; message: string } = { result: 'failed', reason: 'Internal', message: 'the pass did not finish' };
  deps.log.info('pass.start', { trigger: opts.trigger, dryRun, target: deps.target.describe });
  let result: PassResult | undefined;
  try {
    for (const step of STEPS) {
      const s0 = performance.now();
      let r;
      try {
        r = await step.run(ctx);
      } catch (err) {
        steps.push({ name: step.name, outcome: 'fail', ms: Math.round(performance.now() - s0) });
        throw err;
      }
      steps.push({ name: step.name, outcome: r.outcome, ms: Math.round(performance.now() - s0) });
      if (r.outcome === 'stop') {
        end = { result: r.result, reason: r.reason, message: r.message };
        break;
      }
    }
  } catch (err) {
    if (err instanceof PassError) end = { result: OUTCOME_OF[err.kind], reason: err.reason, message: err.message };
    else end = { result: 'failed', reason: 'Internal', message: `internal error in the pass: ${messageOf(err)}` };
  } finally {
    result = {
      result: end.result,
      condition: CONDITION[end.result],
      reason: end.reason,
      message: deps.log.redact(end.message),
      ...(ctx.commit ? { commit: ctx.commit } : {}),
      ...(ctx.compiled ? { hash: ctx.compiled.hash } : ctx.status.lastApplied && end.result === 'unchanged' ? { hash: ctx.status.lastApplied.hash } : {}),
      reloaded: ctx.reloads > 0,
      reloadCount: ctx.reloads,
      transient: end.result === 'transient',
      trigger: opts.trigger,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      steps,
      ...(ctx.diagnostics ? { diagnostics: ctx.diagnostics, diagnosticsCount: ctx.diagnosticsCount ?? ctx.diagnostics.length } : {}),
      ...(ctx.changes && (end.result === 'applied' || end.result === 'drift-corrected' || end.result === 'dry-run') ? { changes: ctx.changes } : {}),
    };
    if (!dryRun) {
      try {
        // written and not Ready: it did not reload or verify, whatever the rollback did
        const failedContent = result.condition !== 'Ready' && ctx.written && ctx.commit && ctx.desiredSha
          ? { failedContent: { commit: ctx.commit, fileSha256: ctx.desiredSha, reason: result.reason, message: result.message,
            time: result.startedAt, ...(result.transient ? { transient: true } : {}) } }
          : {};
        const applied = lastAppliedOf(ctx, result, clock());
        await keepVerifiedCopy(ctx, result, applied.lastApplied);
        await recordPass(deps.config.stateDir, { result, driftDetected: ctx.drift === true, wrote: ctx.written === true,
          clearPending: ctx.pendingCleared === true, compiled: ctx.compiled !== undefined,
          ...(ctx.stalledCompile && result.reason === 'CompileFailed' ? { stalledCompile: ctx.stalledCompile } : {}),
          ...failedContent, ...applied });
      } catch (err) {
        deps.log.error('status.write-failed', { error: messageOf(err), stateDir: deps.config.stateDir });
      }
    }
    const level = result.condition === 'Ready' ? 'info' : result.transient ? 'warn' : 'error';
    deps.log.log(level, 'pass.done', { result: result.result, condition: result.condition, reason: result.reason,
      message: result.message, commit: result.commit, reloaded: result.reloaded, durationMs: result.durationMs });
  }
  return result;
}

/** What is live after a successful pass (a new file, or the same file under a newer commit). */
function lastAppliedOf(ctx: PassContext, result: PassResult, now: Date): { lastApplied?: LastApplied } {
  if (result.condition !== 'Ready' || ctx.dryRun || !ctx.commit) return {};
  if (ctx.compiled && ctx.desiredSha) {
    return { lastApplied: { commit: ctx.commit, hash: ctx.compiled.hash, fileSha256: ctx.desiredSha, time: now.toISOString(),
      ...(ctx.inputKey ? { inputKey: ctx.inputKey } : {}),
      extensions: ctx.compiled.model.extensions.map((e) => e.number) } };
  }
  const last = ctx.status.lastApplied;
  return last ? { lastApplied: { ...last, commit: ctx.commit } } : {};
}

/** The file that just verified (or, on a pass that wrote nothing, a missing copy of it) becomes the rollback target. */
async function keepVerifiedCopy(ctx: PassContext, result: PassResult, applied: LastApplied | undefined): Promise<void> {
  if (result.condition !== 'Ready' || !applied) return;
  const [data, sha] = ctx.written ? [ctx.desired, ctx.desiredSha] : [ctx.live, ctx.liveSha];
  if (!data || sha !== applied.fileSha256) return;
  try {
    if (await saveVerifiedCopy(ctx.deps.config.stateDir, data, !ctx.written)) ctx.deps.log.info('live.verified-copy-kept', { sha256: applied.fileSha256 });
  } catch (err) {
    ctx.deps.log.error('state.verified-copy-failed', { error: messageOf(err), stateDir: ctx.deps.config.stateDir });
  }
}

/** The checkout of the configured branch as a pass's source. */
export function gitSource(config: ReconcilerConfig, verify?: (repoDir: string, commit: string) => Promise<void>): PassSource {
  // read at each call: the loop may hand in a reloaded config
  const source: PassSource = {
    async update(dryRun) {
      const { repo, branch, checkoutDir } = config.source;
      try {
        const git = await ensureClone(repo, checkoutDir);
        return await fetchAndReset(git, branch, { reset: !dryRun });
      } catch (err) {
        throw fetchError(err, repo);
      }
    },
    read: (commit) => readSourcesAtRev(config.source.checkoutDir, commit, config.source.extensionsPath),
  };
  if (verify) source.verifySignature = (commit) => verify(config.source.checkoutDir, commit);
  return source;
}

async function fileFingerprint(paths: (string | undefined)[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of paths) {
    if (!p) continue;
    h.update(p + '\0');
    h.update(await readFile(p).catch(() => Buffer.from('(missing)')));
  }
  return h.digest('hex');
}

export interface LoadPassDepsOptions {
  log?: Logger;
  /** a Target built elsewhere (tests); otherwise built from config.target */
  target?: Target;
  secrets?: SecretResolver | HostSecretResolver;
  verifySignature?: (repoDir: string, commit: string) => Promise<void>;
}

/** Everything a pass needs, from a config (the target is connected here). */
export async function loadPassDeps(config: ReconcilerConfig, options: LoadPassDepsOptions = {}): Promise<PassDeps> {
  const log = options.log ?? createLogger();
  const verify = options.verifySignature ?? (config.source.verify ? await loadSignatureCheck(config) : undefined);
  const secrets = options.secrets ?? (config.secrets ? await loadSecretResolver(config) : undefined);
  const target = options.target ?? (await createTarget(config)); // last: nothing after it can fail and leak a connection
  const deps: PassDeps = { config, source: gitSource(config, verify), target, log, compile };
  if (secrets) {
    // every password handed to the compiler is learnt by the logger, so no line can print it
    deps.secrets = (auth, ext) => {
      const v = secrets(auth, ext);
      if (v !== undefined) log.addSecret(v);
      return v;
    };
    const prepare = (secrets as Partial<HostSecretResolver>).prepare;
    if (prepare) deps.prepareSecrets = (sources) => prepare(sources);
  }
  if (config.secrets) deps.secretsFingerprint = () => fileFingerprint([config.secrets?.file, config.secrets?.ageIdentity]);
  return deps;
}

// Loaded only when configured: a reconciler without signatures or host secrets never pays for them.
async function loadSignatureCheck(config: ReconcilerConfig): Promise<(repoDir: string, commit: string) => Promise<void>> {
  const { verifyCommitSignature } = await import('./signature.js');
  return async (repoDir, commit) => {
    try {
      await verifyCommitSignature(repoDir, commit, config.source.verify!);
    } catch (err) {
      throw stalled('SignatureInvalid', `commit ${commit.slice(0, 12)} is not signed by a trusted key (${messageOf(err)}); not deployed`);
    }
  };
}

async function loadSecretResolver(config: ReconcilerConfig): Promise<HostSecretResolver> {
  const { createSecretResolver } = await import('./secrets/resolver.js');
  return createSecretResolver(config.secrets!);
}
