// The steps that change the host: back up, write atomically, reload, verify — and on a failed reload
// or verify roll back to the last content that verified (reloaded and verified again; rollback.ts).
import { readFile } from 'node:fs/promises';
import { checkLoaded, showEndpoints } from '../asterisk.js';
import { asteriskError, failed, targetError } from '../errors.js';
import { clearPending, markPending, saveBackup, sha256 } from '../state.js';
import { reload, rollback } from './rollback.js';
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
      ctx.previous = p.backup ? await readFile(p.backup).catch(() => null) : null;
      if (p.backup) ctx.backupPath = p.backup;
      return { outcome: 'continue' };
    }
    ctx.previous = ctx.live ?? null;
    // the same bytes as the new file: nothing to keep that the write would lose
    if (ctx.live && ctx.liveSha !== ctx.desiredSha) {
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
    // the new file may be live from here on: if we die, the next pass finds the marker equal to the
    // live file and reloads + verifies
    await markPending(config.stateDir, { commit: ctx.commit!, fileSha256: ctx.desiredSha!, backup: ctx.backupPath ?? '',
      since: (ctx.deps.clock?.() ?? new Date()).toISOString(), pid: process.pid });
    if (ctx.liveSha === ctx.desiredSha) {
      ctx.written = true; // already these bytes (never verified): the reload and verify are what is left
      log.info('live.already-written', { file: config.target.liveFile, sha256: ctx.desiredSha, commit: ctx.commit });
      return { outcome: 'continue' };
    }
    try {
      await target.writeFileAtomic(config.target.liveFile, ctx.desired!, config.target.mode);
    } catch (err) {
      // the Target contract: a failed write leaves the old file in place; when the file shows it, the marker goes
      const now = await target.readFile(config.target.liveFile).then((b) => (b === null ? '' : sha256(b)), () => undefined);
      if (now === ctx.liveSha) {
        // an interrupted pass's marker (kept in ctx only when it equals the live file) still holds
        const before = ctx.status.pending;
        if (before) await markPending(config.stateDir, before);
        else await clearPending(config.stateDir);
        ctx.pendingCleared = !before;
      }
      throw targetError(err, `cannot write ${config.target.liveFile} on ${target.describe} (${now === ctx.liveSha ? 'the live file is unchanged' : 'the live file may have changed'})`, 'WriteFailed');
    }
    ctx.written = true; // the marker is cleared when this pass records its result
    log.info('live.written', { file: config.target.liveFile, sha256: ctx.desiredSha, bytes: ctx.desired!.length, commit: ctx.commit });
    return { outcome: 'continue' };
  },
};

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
    const what = ctx.drift ? 'drift corrected: rewrote' : ctx.liveSha === ctx.desiredSha ? 'applied (its file was already written, not yet verified)' : 'applied';
    return { outcome: 'stop', result: ctx.drift ? 'drift-corrected' : 'applied', reason: ctx.drift ? 'DriftCorrected' : 'Applied',
      message: `${what} commit ${ctx.commit!.slice(0, 12)} (${describeChanges(ctx)}), ` +
        `reloaded${config.verify ? `, verified ${ctx.compiled!.model.extensions.length} endpoints` : ' (verify is off)'}` };
  },
};
