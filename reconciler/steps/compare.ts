// Compare what the commit compiles to with the live file: equal (by sha256) and verified → nothing to
// do; equal but never verified (or failed) → deploy it again; the live file edited by hand since we
// wrote it → drift, logged with a redacted diff.
import { createTwoFilesPatch } from 'diff';
import type { Reason } from '../errors.js';
import { changedSecretLines } from '../../compiler/secrets-policy.js';
import { redact } from '../log.js';
import { isVerifiedContent } from '../state.js';
import type { Status } from '../pass-types.js';
import { Stop, type Checked, type Compiled, type PassRun } from './types.js';
import { extensionChanges } from './wizard-file.js';

const DIFF_TIMEOUT_MS = 500;
const DIFF_MAX_LINES = 400;

/** The redacted unified diff live → desired, or a summary when it would take too long to compute. */
export function redactedDiff(liveText: string, desiredRedacted: string, file: string, secrets: Iterable<string> = [], desiredText?: string): string {
  const before = redact(liveText, secrets);
  const patch = createTwoFilesPatch(`${file} (live)`, `${file} (from git)`, before, desiredRedacted, undefined, undefined,
    { context: 3, timeout: DIFF_TIMEOUT_MS });
  if (patch === undefined) {
    const a = before.split('\n').length;
    const b = desiredRedacted.split('\n').length;
    return `(diff too large to show in ${DIFF_TIMEOUT_MS} ms: live ${a} lines, from git ${b} lines)`;
  }
  // both sides show (secret): a hand-changed password alone would leave an empty diff, so name the lines
  const secretsChanged = desiredText === undefined ? [] : changedSecretLines(liveText, desiredText);
  const note = secretsChanged.length ? `\n(secret values differ, not shown: ${secretsChanged.slice(0, 20).join(', ')}${secretsChanged.length > 20 ? ', …' : ''})` : '';
  const lines = patch.split('\n');
  const shown = lines.length > DIFF_MAX_LINES
    ? [...lines.slice(0, DIFF_MAX_LINES), `… ${lines.length - DIFF_MAX_LINES} more lines`].join('\n')
    : patch;
  return shown + note;
}

function lastAppliedText(status: Readonly<Status>): string {
  const last = status.lastApplied;
  return last ? `${last.commit.slice(0, 12)} at ${last.time}` : 'never';
}

/** The change from the live file to the compiled one, or a Stop when there is none to make (or drift is only reported). */
export async function compare(pass: PassRun, input: Compiled): Promise<Checked | Stop> {
  const { config, log } = pass.deps;
  const { status } = pass;
  const { compiled, desired, live, commit, resume } = input;
  const liveIsDesired = live.sha === desired.sha;
  if (liveIsDesired && !resume && isVerifiedContent(status, live.sha)) {
    return new Stop('unchanged', 'Unchanged',
      `nothing Asterisk sees changed: commit ${commit.slice(0, 12)} compiles to the live file (${compiled.hash.slice(0, 12)})`);
  }
  if (liveIsDesired && !resume) {
    // the file is already there, but Asterisk never verified it (or it failed): reload and verify it
    log.warn('live.unverified', { file: config.target.liveFile, sha256: live.sha,
      failed: status.lastFailed?.fileSha256 === live.sha ? status.lastFailed?.reason : undefined });
  }
  // parsing both files costs ~0.2 s at 10,000 extensions: only when something is to be written
  const changes = extensionChanges(live.data?.toString('utf8') ?? '', compiled.conf);
  pass.notes.changes = changes;
  const last = status.lastApplied;
  // drift: what we last wrote is still what git wants, but the live file is no longer it
  const drift = !!last && last.fileSha256 === desired.sha && !liveIsDesired;
  if (drift) {
    pass.notes.drift = true;
    const diff = redactedDiff(live.data?.toString('utf8') ?? '', compiled.redacted, config.target.liveFile, [], compiled.conf);
    log.warn('drift.detected', {
      file: config.target.liveFile, mode: config.drift.mode, lastApplied: lastAppliedText(status),
      liveSha256: live.sha || '(missing)', expectedSha256: desired.sha, diff,
    });
    if (config.drift.mode === 'report') {
      return new Stop('drift-reported', 'DriftDetected',
        `${config.target.liveFile} was changed by hand since ${lastAppliedText(status)}; drift mode is report, so it was left as it is`);
    }
  }
  return { ...input, changes, drift };
}

/** Content that already failed (not transiently) is not deployed again by an automatic pass. */
export function knownFailure(pass: PassRun, input: Checked): Stop | undefined {
  const f = pass.status.lastFailed;
  if (pass.options.retryFailed || !f || f.transient || f.fileSha256 !== input.desired.sha) return undefined;
  const where = input.live.sha === f.fileSha256 ? 'it is still the live file (the rollback did not happen)' : 'it was rolled back';
  return new Stop('failed', f.reason as Reason,
    `commit ${input.commit.slice(0, 12)} compiles to content that failed at ${f.time} (${f.reason}); ${where}; ` +
    'waiting for a new commit — run `pjsip-gitops apply` or send SIGHUP to try it again');
}
