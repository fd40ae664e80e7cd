// The source phase: connect to the target, get the branch head, check its signature, read the live
// file, and stop when nothing that goes into the compile changed (or it is known not to compile).
import { createHash } from 'node:crypto';
import { PassError, stalled, targetError } from '../errors.js';
import { PACKAGE_VERSION } from '../io/package.js';
import { isVerifiedContent, sha256 } from '../state.js';
import { targetLabel } from '../targets/index.js';
import { liveWords, readLiveRows, usesRealtime } from '../realtime/pass-steps.js';
import { rememberRead, statBefore, unchangedSha } from './live-fingerprint.js';
import { Stop, type LiveFile, type PassRun, type Sourced } from './types.js';

export async function sourcePhase(pass: PassRun): Promise<Sourced | Stop> {
  await pass.step('connect', () => connectTarget(pass));
  const commit = await pass.step('fetch', () => fetch(pass));
  await pass.step('verify-signature', () => verifySignature(pass, commit));
  // realtime: the rows of the tables are what is live, not the wizard file
  const live = await pass.step('read-live', () => (usesRealtime(pass.deps.config) ? readLiveRows(pass) : readLive(pass, true)));
  const current = await pass.step('up-to-date', () => upToDate(pass, commit, live));
  if (current instanceof Stop) return current;
  // known unchanged by its stat, so not read: the later phases need its bytes
  if (live.unread) current.live = await pass.step('read-live', () => readLive(pass, false));
  const known = await pass.step('known-compile-failure', async () => knownCompileFailure(pass, current));
  return known ?? current;
}

/** Connect to the target (the pass's first step; a changed pass run elsewhere connects its own). */
export async function connectTarget(pass: PassRun): Promise<void> {
  const { target, config } = pass.deps;
  if (!target.connect) return;
  try {
    await target.connect();
  } catch (err) {
    // unreachable → transient (backoff); refused (host key, login, key file) → stalled until the access is fixed
    const e = targetError(err, `cannot reach the target ${targetLabel(config)}`);
    throw new PassError(e.kind, e.reason, `${e.message}; the live file is untouched`);
  }
}

async function fetch(pass: PassRun): Promise<string> {
  const commit = await pass.deps.source.update(pass.options.dryRun);
  pass.notes.commit = commit;
  pass.deps.log.info('source.fetched', { commit, branch: pass.deps.config.source.branch });
  return commit;
}

async function verifySignature(pass: PassRun, commit: string): Promise<void> {
  const { source, config } = pass.deps;
  if (!config.source.verify) return;
  if (!source.verifySignature) {
    throw stalled('SignatureInvalid', 'source.verify is configured but this build cannot check signatures; refusing to deploy unverified commits');
  }
  await source.verifySignature(commit);
  pass.deps.log.info('source.signature-good', { commit });
}

/**
 * The live file and its sha. With `mayTrustStat`, a file whose stat shows it untouched since this
 * process last read it is not read again (steps/live-fingerprint.ts): only its sha is known.
 */
async function readLive(pass: PassRun, mayTrustStat: boolean): Promise<LiveFile> {
  const { target, config } = pass.deps;
  const path = config.target.liveFile;
  let data: Buffer | null;
  let before;
  try {
    before = await statBefore(target, path);
    const sha = mayTrustStat ? unchangedSha(path, before) : undefined;
    if (sha !== undefined) {
      const live = { data: null, sha, unread: true as const };
      pass.notes.live = live;
      return live;
    }
    data = await target.readFile(path);
  } catch (err) {
    throw targetError(err, `cannot read ${path} on ${target.describe}`);
  }
  const live = { data, sha: data === null ? '' : sha256(data) };
  rememberRead(path, data === null ? undefined : before, live.sha);
  pass.notes.live = live;
  return live;
}

/** Everything that decides the compiled bytes; equal key + a live file equal to what we wrote → nothing to do. */
async function inputKeyOf(pass: PassRun, commit: string): Promise<string> {
  const { config, secretsFingerprint } = pass.deps;
  const h = createHash('sha256');
  h.update(JSON.stringify({ commit, path: config.source.extensionsPath, version: PACKAGE_VERSION }));
  if (secretsFingerprint) h.update(await secretsFingerprint());
  return h.digest('hex');
}

async function upToDate(pass: PassRun, commit: string, live: LiveFile): Promise<Sourced | Stop> {
  const inputKey = await inputKeyOf(pass, commit);
  const { status, deps } = pass;
  const last = status.lastApplied;
  const pending = status.pending;
  if (pending && pending.fileSha256 === live.sha) {
    deps.log.warn('pass.resume', { message: 'the previous pass stopped between writing the file and verifying it; reloading and verifying again',
      pendingCommit: pending.commit, since: pending.since });
    return { commit, inputKey, live, resume: pending };
  }
  if (pending) {
    // the live file is not what the marker announced: that write never landed, nothing to resume
    deps.log.info('pass.pending-cleared', { message: 'the previous pass announced a write that never reached the live file; nothing to resume',
      pendingCommit: pending.commit, since: pending.since });
    pass.notes.pendingCleared = true;
  }
  if (last?.inputKey === inputKey && isVerifiedContent(status, live.sha)) {
    return new Stop('unchanged', 'Unchanged',
      `nothing changed: commit ${commit.slice(0, 12)} is live and ${usesRealtime(deps.config) ? `${liveWords(deps.config)} are` : 'the file is'} as written (${last.hash.slice(0, 12)})`);
  }
  return { commit, inputKey, live, resume: undefined };
}

/** A commit an earlier pass found not to compile, with the same inputs: automatic passes report it again without compiling. */
function knownCompileFailure(pass: PassRun, sourced: Sourced): Stop | undefined {
  const known = pass.status.stalledCompile;
  if (pass.options.retryFailed || !known || known.inputKey !== sourced.inputKey) return undefined;
  pass.notes.stalledCompile = known;
  pass.notes.diagnostics = { list: known.diagnostics, count: known.diagnosticsCount };
  return new Stop('stalled', 'CompileFailed',
    `${known.message} (known from an earlier pass, not compiled again; \`pjsip-gitops apply\` compiles it again)`);
}
