// One reconcile pass: four phases — source, compile, compare & guards, deploy — each taking the
// previous one's typed result and returning its own, or a Stop; each runs named, timed steps. The
// status is written in a `finally`, whatever happened. The caller holds the lock.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { compile } from '../compiler/compile.js';
import type { SecretResolver } from '../compiler/types.js';
import type { ReconcilerConfig } from './config.js';
import { PassError, fetchError, messageOf, stalled } from './errors.js';
import { Checkout, readSourcesAtRev } from './git.js';
import { createLogger, type Logger } from './log.js';
import { outcomeOf, outcomeOfError } from './outcome.js';
import type { LastApplied, PassResult, Suspension } from './pass-types.js';
import { reloadMeasuredIn } from './reload-timeout.js';
import { readStatusChecked, recordPass, saveVerifiedCopy } from './state.js';
import { checkPhase } from './steps/check.js';
import { compilePhase } from './steps/compile.js';
import { deployPhase } from './steps/deploy.js';
import { PreviewStop } from './steps/preview.js';
import { sourcePhase } from './steps/source.js';
import { PassRun, Stop, type PassDeps, type PassSource, type Sourced } from './steps/types.js';
import type { RunIn } from './changed-pass/run.js';
import type { HostSecretResolver } from './secrets/resolver.js';
import type { Target } from './target.js';
import { createTarget } from './targets/index.js';

export type { PassDeps, PassSource } from './steps/types.js';
export type { Condition, PassOutcome, PassResult } from './pass-types.js';

const AUTOMATIC_TRIGGERS = new Set(['interval', 'backoff']);

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

/** The phases in order; the first Stop ends the pass (the deploy phase always ends it). */
async function phases(pass: PassRun, wantPreview: boolean): Promise<Stop> {
  const sourced = await sourcePhase(pass);
  if (sourced instanceof Stop) return sourced;
  beyondSource.add(pass);
  const away = elsewhere.get(pass.deps);
  if (away) return changedPassElsewhere(pass, sourced, away, wantPreview);
  const compiled = await compilePhase(pass, sourced);
  const checked = await checkPhase(pass, compiled);
  if (checked instanceof Stop) return checked;
  return deployPhase(pass, checked);
}

/**
 * The phases after the source phase in a child process (or worker thread) of their own: its log
 * lines are written here as they come, its passwords learnt first; its notes and steps become this
 * pass's, and it ends as the same phases here would.
 */
async function changedPassElsewhere(pass: PassRun, sourced: Sourced, away: { where: RunIn; secrets: string[] }, wantPreview: boolean): Promise<Stop> {
  const { runElsewhere } = await import('./changed-pass/run.js');
  const { withBuffers } = await import('./changed-pass/job.js');
  const { log, config } = pass.deps;
  const a = await runElsewhere({ config, status: pass.status, options: pass.options, preview: wantPreview,
    sourced, notes: pass.notes, secrets: away.secrets }, away.where, (e) => {
    if (e.kind === 'secret') {
      log.addSecret(e.value);
      away.secrets.push(e.value);
    } else {
      log.log(e.level, e.event, e.fields);
    }
  });
  Object.assign(pass.notes, withBuffers(a.notes));
  pass.steps.push(...(a.steps as PassRun['steps']));
  if (a.error) throw new PassError(a.error.kind, a.error.reason, a.error.message);
  if (a.internal !== undefined || !a.end) throw new Error(a.internal ?? 'the pass ended without an answer');
  const { result, reason, message, preview, previewError } = a.end;
  if (preview || previewError) {
    return new PreviewStop(result, reason, message, () => {
      if (!preview) throw new Error(previewError);
      return preview;
    });
  }
  return new Stop(result, reason, message);
}

/** Passes that went past their source phase: the later phases (or their child process) may have written the status. */
const beyondSource = new WeakSet<PassRun>();

/** Outcomes a suspended pass reports as Suspended: what it would do, or that nothing is pending. Errors keep their own. */
const SUSPENDED_ENDS = new Set(['dry-run', 'unchanged', 'drift-reported']);

function suspendedEnd(end: Stop, s: Suspension): Stop {
  if (!SUSPENDED_ENDS.has(end.result)) return end;
  const what = end.result === 'unchanged' ? `nothing pending (${end.message})` : end.result === 'dry-run' ? `pending: ${end.message}` : end.message;
  return new Stop('suspended', 'Suspended', `writes suspended since ${s.since}${s.by ? ` by ${s.by}` : ''} (${s.reason}): ${what}`);
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
  // suspended: the pass runs as a dry run (no reset, no write, no reload) and is recorded, as Suspended
  const suspended = dryRun ? undefined : status.suspended;
  const pass = new PassRun(deps, status, { dryRun: dryRun || suspended !== undefined, retryFailed, trigger: opts.trigger });
  let end = new Stop('failed', 'Internal', 'the pass did not finish');
  deps.log.info('pass.start', { trigger: opts.trigger, dryRun, target: deps.target.describe,
    ...(suspended ? { suspended: { since: suspended.since, reason: suspended.reason } } : {}) });
  let result: PassResult | undefined;
  try {
    end = await phases(pass, dryRun);
    if (suspended) end = suspendedEnd(end, suspended);
  } catch (err) {
    if (err instanceof PassError) end = new Stop(outcomeOfError(err.kind), err.reason, err.message);
    else end = new Stop('failed', 'Internal', `internal error in the pass: ${messageOf(err)}`);
  } finally {
    const n = pass.notes;
    const shown = ['applied', 'drift-corrected', 'dry-run', 'suspended'].includes(end.result);
    const preview = dryRun && end instanceof PreviewStop ? previewOf(end, deps) : undefined;
    result = {
      result: end.result,
      condition: outcomeOf(end.result).condition,
      reason: end.reason,
      message: deps.log.redact(end.message),
      ...(n.commit ? { commit: n.commit } : {}),
      ...(n.content ? { hash: n.content.hash } : status.lastApplied && end.result === 'unchanged' ? { hash: status.lastApplied.hash } : {}),
      reloaded: n.reloads > 0,
      reloadCount: n.reloads,
      transient: end.result === 'transient',
      trigger: opts.trigger,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      steps: pass.steps,
      ...(n.diagnostics ? { diagnostics: n.diagnostics.list, diagnosticsCount: n.diagnostics.count } : {}),
      ...(n.changes && shown ? { changes: n.changes } : {}),
      ...(preview ? { preview } : {}),
    };
    if (!dryRun) await record(pass, result, clock());
    const level = result.condition === 'Ready' ? 'info' : result.transient ? 'warn' : 'error';
    deps.log.log(level, 'pass.done', { result: result.result, condition: result.condition, reason: result.reason,
      message: result.message, commit: result.commit, reloaded: result.reloaded, durationMs: result.durationMs });
  }
  return result;
}

/** A dry run's change list and diff; a failure to work them out costs the preview, never the pass's result. */
function previewOf(end: PreviewStop, deps: PassDeps): PassResult['preview'] {
  try {
    return end.preview();
  } catch (err) {
    deps.log.warn('dry-run.preview-failed', { error: messageOf(err) });
    return undefined;
  }
}

/** Fold the pass into the status file (and keep the file that verified); a failed write is logged, never thrown. */
async function record(pass: PassRun, result: PassResult, now: Date): Promise<void> {
  const { deps, notes: n } = pass;
  try {
    // written and not Ready: it did not reload or verify, whatever the rollback did
    const failedContent = result.condition !== 'Ready' && n.written && n.commit && n.content
      ? { failedContent: { commit: n.commit, fileSha256: n.content.desired.sha, reason: result.reason, message: result.message,
        time: result.startedAt, ...(result.transient ? { transient: true } : {}) } }
      : {};
    const applied = lastAppliedOf(pass, result, now);
    await keepVerifiedCopy(pass, result, applied.lastApplied);
    await recordPass(deps.config.stateDir, { result, driftDetected: n.drift, wrote: n.written,
      clearPending: n.pendingCleared, compiled: n.content !== undefined,
      ...(n.stalledCompile && result.reason === 'CompileFailed' ? { stalledCompile: n.stalledCompile } : {}),
      ...failedContent, ...applied, ...reloadMeasuredIn(pass) },
    // the source phase writes no status: a pass that ended there folds into what it read
    beyondSource.has(pass) ? {} : { asRead: pass.status });
  } catch (err) {
    deps.log.error('status.write-failed', { error: messageOf(err), stateDir: deps.config.stateDir });
  }
}

/** What is live after a successful pass (a new file, or the same file under a newer commit). */
function lastAppliedOf(pass: PassRun, result: PassResult, now: Date): { lastApplied?: LastApplied } {
  const { commit, content } = pass.notes;
  if (result.condition !== 'Ready' || pass.options.dryRun || !commit) return {};
  if (content) {
    return { lastApplied: { commit, hash: content.hash, fileSha256: content.desired.sha, time: now.toISOString(),
      inputKey: content.inputKey, extensions: content.extensions } };
  }
  const last = pass.status.lastApplied;
  return last ? { lastApplied: { ...last, commit } } : {};
}

/** The file that just verified (or, on a pass that wrote nothing, a missing copy of it) becomes the rollback target. */
async function keepVerifiedCopy(pass: PassRun, result: PassResult, applied: LastApplied | undefined): Promise<void> {
  if (result.condition !== 'Ready' || !applied) return;
  const { written, content, live } = pass.notes;
  const kept = written ? content?.desired : live;
  if (!kept?.data || kept.sha !== applied.fileSha256) return;
  const { config, log } = pass.deps;
  try {
    if (await saveVerifiedCopy(config.stateDir, kept.data, !written)) log.info('live.verified-copy-kept', { sha256: applied.fileSha256 });
  } catch (err) {
    log.error('state.verified-copy-failed', { error: messageOf(err), stateDir: config.stateDir });
  }
}

/** The checkout of the configured branch as a pass's source. */
export function gitSource(config: ReconcilerConfig, verify?: (repoDir: string, commit: string) => Promise<void>): PassSource {
  // read at each call: the loop may hand in a reloaded config
  const checkout = new Checkout();
  const source: PassSource = {
    async update(dryRun) {
      const { repo, branch, checkoutDir } = config.source;
      try {
        return await checkout.update(repo, checkoutDir, branch, { reset: !dryRun });
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
  /**
   * Where a pass runs its phases after the source phase (compile, compare, deploy) when something
   * changed: 'here' (default), or a 'child' process or 'worker' thread started for that pass and
   * gone after it, which keeps a long-running loop's memory small. A pass with nothing to do never
   * starts one. It builds its own target and host secrets from the config: a target, secrets or
   * signature check handed in here keep the pass here.
   */
  compileIn?: 'here' | RunIn;
}

/** PJSIP_GITOPS_COMPILE_IN=here|worker|child: where passes compile (to measure them side by side, or test one) */
export function compileInFromEnv(): 'here' | RunIn | undefined {
  const v = process.env.PJSIP_GITOPS_COMPILE_IN;
  return v === 'here' || v === 'worker' || v === 'child' ? v : undefined;
}

/** Deps whose changed passes run elsewhere, with the passwords their logger learnt from those runs. */
const elsewhere = new WeakMap<PassDeps, { where: RunIn; secrets: string[] }>();

/** Everything a pass needs, from a config (the target is not connected yet: the pass's first step does it). */
export async function loadPassDeps(config: ReconcilerConfig, options: LoadPassDepsOptions = {}): Promise<PassDeps> {
  const log = options.log ?? createLogger();
  const verify = options.verifySignature ?? (config.source.verify ? await loadSignatureCheck(config.source.verify) : undefined);
  const wanted = options.compileIn ?? compileInFromEnv() ?? 'here';
  const where = wanted !== 'here' && !options.secrets && !options.target && !options.verifySignature ? wanted : undefined;
  // elsewhere, the job opens the host secrets itself
  const secrets = options.secrets ?? (config.secrets && !where ? await loadSecretResolver(config.secrets) : undefined);
  const target = options.target ?? createTarget(config);
  const deps: PassDeps = { config, source: gitSource(config, verify), target, log, compile };
  if (where) elsewhere.set(deps, { where, secrets: [] });
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
async function loadSignatureCheck(verify: NonNullable<ReconcilerConfig['source']['verify']>): Promise<(repoDir: string, commit: string) => Promise<void>> {
  const { verifyCommitSignature } = await import('./signature.js');
  return async (repoDir, commit) => {
    try {
      await verifyCommitSignature(repoDir, commit, verify);
    } catch (err) {
      throw stalled('SignatureInvalid', `commit ${commit.slice(0, 12)} is not signed by a trusted key (${messageOf(err)}); not deployed`);
    }
  };
}

async function loadSecretResolver(secrets: NonNullable<ReconcilerConfig['secrets']>): Promise<HostSecretResolver> {
  const { createSecretResolver } = await import('./secrets/resolver.js');
  return createSecretResolver(secrets);
}
