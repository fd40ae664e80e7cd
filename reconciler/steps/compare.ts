// Compare what the commit compiles to with the live file: equal (by sha256) and verified → nothing to
// do; equal but never verified (or failed) → deploy it again; the live file edited by hand since we
// wrote it → drift, logged with a redacted diff.
import { createTwoFilesPatch } from 'diff';
import type { Reason } from '../errors.js';
import { changedSecretLines } from '../../compiler/secrets-policy.js';
import { redact } from '../log.js';
import { isVerifiedContent } from '../state.js';
import type { PassContext, Step } from './types.js';
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

function lastAppliedText(ctx: PassContext): string {
  const last = ctx.status.lastApplied;
  return last ? `${last.commit.slice(0, 12)} at ${last.time}` : 'never';
}

export const compareStep: Step = {
  name: 'compare',
  async run(ctx) {
    const { config, log } = ctx.deps;
    const compiled = ctx.compiled!;
    const live = ctx.live ?? null;
    const liveIsDesired = ctx.liveSha === ctx.desiredSha;
    if (liveIsDesired && !ctx.status.pending && isVerifiedContent(ctx.status, ctx.liveSha)) {
      return { outcome: 'stop', result: 'unchanged', reason: 'Unchanged',
        message: `nothing Asterisk sees changed: commit ${ctx.commit!.slice(0, 12)} compiles to the live file (${compiled.hash.slice(0, 12)})` };
    }
    if (liveIsDesired && !ctx.status.pending) {
      // the file is already there, but Asterisk never verified it (or it failed): reload and verify it
      log.warn('live.unverified', { file: config.target.liveFile, sha256: ctx.liveSha,
        failed: ctx.status.lastFailed?.fileSha256 === ctx.liveSha ? ctx.status.lastFailed?.reason : undefined });
    }
    // parsing both files costs ~0.2 s at 10,000 extensions: only when something is to be written
    ctx.changes = extensionChanges(live?.toString('utf8') ?? '', compiled.conf);
    const last = ctx.status.lastApplied;
    // drift: what we last wrote is still what git wants, but the live file is no longer it
    if (last && last.fileSha256 === ctx.desiredSha && !liveIsDesired) {
      ctx.drift = true;
      const diff = redactedDiff(live?.toString('utf8') ?? '', compiled.redacted, config.target.liveFile, [], compiled.conf);
      log.warn('drift.detected', {
        file: config.target.liveFile, mode: config.drift.mode, lastApplied: lastAppliedText(ctx),
        liveSha256: ctx.liveSha || '(missing)', expectedSha256: ctx.desiredSha, diff,
      });
      if (config.drift.mode === 'report') {
        return { outcome: 'stop', result: 'drift-reported', reason: 'DriftDetected',
          message: `${config.target.liveFile} was changed by hand since ${lastAppliedText(ctx)}; drift mode is report, so it was left as it is` };
      }
    }
    return { outcome: 'continue' };
  },
};

/** Content that already failed (not transiently) is not deployed again by an automatic pass. */
export const knownFailureStep: Step = {
  name: 'known-failure',
  async run(ctx) {
    const f = ctx.status.lastFailed;
    if (ctx.retryFailed || !f || f.transient || f.fileSha256 !== ctx.desiredSha) return { outcome: 'continue' };
    const where = ctx.liveSha === f.fileSha256 ? 'it is still the live file (the rollback did not happen)' : 'it was rolled back';
    return { outcome: 'stop', result: 'failed', reason: f.reason as Reason,
      message: `commit ${ctx.commit!.slice(0, 12)} compiles to content that failed at ${f.time} (${f.reason}); ${where}; ` +
        'waiting for a new commit — run `pjsip-gitops apply` or send SIGHUP to try it again' };
  },
};
