// The steps that change the host: back up, write atomically, reload, verify — and on a failed reload
// or verify put the previous file back byte for byte and reload again.
import { readFile } from 'node:fs/promises';
import { checkLoaded, reload as reloadAsterisk, showEndpoints } from '../asterisk.js';
import { PassError, asteriskError, failed, messageOf, targetError } from '../errors.js';
import { markPending, saveBackup } from '../state.js';
import type { PassContext, Step } from './types.js';

function describeChanges(ctx: PassContext): string {
  const c = ctx.changes ?? { added: [], removed: [], changed: [] };
  return `+${c.added.length} -${c.removed.length} ~${c.changed.length} extensions`;
}

export const dryRunStep: Step = {
  name: 'dry-run',
  async run(ctx) {
    if (!ctx.dryRun) return { outcome: 'continue' };
    const c = ctx.changes!;
    const detail = [c.added.length ? `add ${c.added.join(', ')}` : '', c.removed.length ? `remove ${c.removed.join(', ')}` : '',
      c.changed.length ? `change ${c.changed.join(', ')}` : ''].filter(Boolean).join('; ');
    return { outcome: 'stop', result: 'dry-run', reason: 'DryRun',
      message: `would ${ctx.drift ? 'correct drift in' : 'write'} ${ctx.deps.config.target.liveFile} (${ctx.desired!.length} bytes, ` +
        `${describeChanges(ctx)}${detail ? `: ${detail}` : ''}) and reload Asterisk; nothing was changed` };
  },
};

export const backupStep: Step = {
  name: 'backup',
  async run(ctx) {
    const p = ctx.status.pending;
    if (p && p.fileSha256 === ctx.liveSha) {
      // an interrupted pass already wrote this file: what it replaced is its backup
      ctx.previous = p.backup ? await readFile(p.backup).catch(() => ctx.live ?? null) : null;
      if (p.backup) ctx.backupPath = p.backup;
      return { outcome: 'continue' };
    }
    ctx.previous = ctx.live ?? null;
    if (ctx.live) {
      ctx.backupPath = await saveBackup(ctx.deps.config.stateDir, ctx.live, ctx.deps.clock?.() ?? new Date());
      ctx.deps.log.info('live.backed-up', { backup: ctx.backupPath });
    }
    return { outcome: 'continue' };
  },
};

export const writeStep: Step = {
  name: 'write',
  async run(ctx) {
    const { target, config, log } = ctx.deps;
    // if we die after this, the next pass sees the marker and reloads + verifies even though the file matches
    await markPending(config.stateDir, { commit: ctx.commit!, fileSha256: ctx.desiredSha!, backup: ctx.backupPath ?? '',
      since: (ctx.deps.clock?.() ?? new Date()).toISOString(), pid: process.pid });
    try {
      await target.writeFileAtomic(config.target.liveFile, ctx.desired!, config.target.mode);
    } catch (err) {
      // the Target contract: a failed write leaves the old file in place
      throw targetError(err, `cannot write ${config.target.liveFile} on ${target.describe} (the live file is unchanged)`, 'WriteFailed');
    }
    ctx.written = true; // the marker is cleared when this pass records its result
    log.info('live.written', { file: config.target.liveFile, sha256: ctx.desiredSha, bytes: ctx.desired!.length, commit: ctx.commit });
    return { outcome: 'continue' };
  },
};

async function reload(ctx: PassContext): Promise<PassError | null> {
  ctx.reloads++;
  const r = await reloadAsterisk(ctx.deps.target, ctx.deps.config.asterisk);
  return r.ok ? null : asteriskError(r, 'reload');
}

/** Put the file that was live before back (an empty file when there was none) and reload; returns the error to report. */
async function rollback(ctx: PassContext, cause: PassError): Promise<PassError> {
  const { target, config, log } = ctx.deps;
  const previous = ctx.previous ?? Buffer.alloc(0);
  try {
    await target.writeFileAtomic(config.target.liveFile, previous, config.target.mode);
  } catch (err) {
    log.error('rollback.write-failed', { error: messageOf(err), backup: ctx.backupPath });
    return new PassError(cause.kind, cause.reason, `${cause.message}; ROLLBACK FAILED: cannot restore ${config.target.liveFile} ` +
      `(${messageOf(err)}); the previous file is in ${ctx.backupPath ?? '(no backup: there was no file)'}`);
  }
  const again = await reload(ctx);
  log.warn('rollback.done', { restoredBytes: previous.length, reloaded: !again, reloadError: again?.message });
  const how = again ? `restored the previous file, but its reload failed too (${again.message})` : 'restored the previous file and reloaded it';
  return new PassError(cause.kind, cause.reason, `${cause.message}; ${how}`);
}

export const reloadStep: Step = {
  name: 'reload',
  async run(ctx) {
    const err = await reload(ctx);
    if (err) throw await rollback(ctx, err);
    ctx.deps.log.info('asterisk.reloaded', { commit: ctx.commit });
    return { outcome: 'continue' };
  },
};

export const verifyStep: Step = {
  name: 'verify',
  async run(ctx) {
    const { target, config, log } = ctx.deps;
    if (config.verify) {
      const shown = await showEndpoints(target, config.asterisk);
      if (!shown.ok) throw await rollback(ctx, asteriskError(shown, "'pjsip show endpoints'"));
      const expected = ctx.compiled!.model.extensions.map((e) => e.number);
      const check = checkLoaded(expected, ctx.changes?.removed ?? [], shown.value);
      if (!check.ok) {
        const parts = [check.missing.length ? `not loaded: ${check.missing.join(', ')} (Asterisk rejected their section; see its log)` : '',
          check.stillPresent.length ? `still loaded after removal: ${check.stillPresent.join(', ')}` : ''].filter(Boolean);
        throw await rollback(ctx, failed('VerifyFailed', `after the reload ${parts.join('; ')}`));
      }
      log.info('asterisk.verified', { endpoints: ctx.compiled!.model.extensions.length, removed: ctx.changes?.removed.length ?? 0 });
    }
    return { outcome: 'stop', result: ctx.drift ? 'drift-corrected' : 'applied', reason: ctx.drift ? 'DriftCorrected' : 'Applied',
      message: `${ctx.drift ? 'drift corrected: rewrote' : 'applied'} commit ${ctx.commit!.slice(0, 12)} (${describeChanges(ctx)}), ` +
        `reloaded${config.verify ? `, verified ${ctx.compiled!.model.extensions.length} endpoints` : ' (verify is off)'}` };
  },
};
