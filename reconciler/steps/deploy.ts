// The deploy phase, the steps that change the host: back up, write atomically, reload, verify (every
// endpoint loaded; each added or changed extension's objects exist, and their values — all, or a
// sample when thousands changed — reconciler/verify.ts) — and
// on a failed reload or verify roll back to the last content that verified (reloaded and verified
// again; rollback.ts).
import { readFile } from 'node:fs/promises';
import { checkLoaded } from '../asterisk.js';
import { listEndpoints } from '../asterisk-objects.js';
import { asteriskError, failed, targetError } from '../errors.js';
import { applyRowsPhase } from '../realtime/deploy-step.js';
import { listingTimeoutMs, reloadMeasuredIn } from '../reload-timeout.js';
import { clearPending, markPending, saveBackup, sha256 } from '../state.js';
import { describeProblems } from '../verify-objects.js';
import { verifyExtensions } from '../verify.js';
import { describeChanges } from './check.js';
import { reload, rollback, type Deploying } from './rollback.js';
import { extensionChanges } from './wizard-file.js';
import { Stop, type Checked, type PassRun } from './types.js';

export async function deployPhase(pass: PassRun, checked: Checked): Promise<Stop> {
  // large PBXes: the changed realtime rows, which Asterisk reads on the next request — no reload
  if (pass.deps.config.target.strategy === 'realtime-sqlite') return applyRowsPhase(pass, checked);
  const deploying = await pass.step('backup', () => backup(pass, checked));
  await pass.step('write', () => write(pass, deploying));
  await pass.step('reload', () => reloadNew(pass, deploying));
  return pass.step('verify', () => verify(pass, deploying));
}

async function backup(pass: PassRun, input: Checked): Promise<Deploying> {
  const p = input.resume;
  if (p) {
    // an interrupted pass already wrote this file: what it replaced is its backup
    const previous = p.backup ? await readFile(p.backup).catch(() => null) : null;
    return { input, previous, backupPath: p.backup || undefined };
  }
  const live = input.live.data;
  // the same bytes as the new file: nothing to keep that the write would lose
  if (!live || input.live.sha === input.desired.sha) return { input, previous: live, backupPath: undefined };
  const backupPath = await saveBackup(pass.deps.config.stateDir, live, pass.now());
  pass.deps.log.info('live.backed-up', { backup: backupPath });
  return { input, previous: live, backupPath };
}

async function write(pass: PassRun, d: Deploying): Promise<void> {
  const { target, config, log } = pass.deps;
  const { commit, desired, live, resume } = d.input;
  // the new file may be live from here on: if we die, the next pass finds the marker equal to the
  // live file and reloads + verifies
  await markPending(config.stateDir, { commit, fileSha256: desired.sha, backup: d.backupPath ?? '',
    since: pass.now().toISOString(), pid: process.pid });
  if (live.sha === desired.sha) {
    pass.notes.written = true; // already these bytes (never verified): the reload and verify are what is left
    log.info('live.already-written', { file: config.target.liveFile, sha256: desired.sha, commit });
    return;
  }
  try {
    await target.writeFileAtomic(config.target.liveFile, desired.data, config.target.mode);
  } catch (err) {
    // the Target contract: a failed write leaves the old file in place; when the file shows it, the marker goes
    const now = await target.readFile(config.target.liveFile).then((b) => (b === null ? '' : sha256(b)), () => undefined);
    if (now === live.sha) {
      // an interrupted pass's marker (kept only when it equals the live file) still holds
      if (resume) await markPending(config.stateDir, resume);
      else await clearPending(config.stateDir);
      pass.notes.pendingCleared = !resume;
    }
    throw targetError(err, `cannot write ${config.target.liveFile} on ${target.describe} (${now === live.sha ? 'the live file is unchanged' : 'the live file may have changed'})`, 'WriteFailed');
  }
  pass.notes.written = true; // the marker is cleared when this pass records its result
  log.info('live.written', { file: config.target.liveFile, sha256: desired.sha, bytes: desired.data.length, commit });
}

async function reloadNew(pass: PassRun, d: Deploying): Promise<void> {
  const err = await reload(pass, d.input.compiled.model.extensions.length, 'new file');
  if (err) throw await rollback(pass, d, err);
  pass.deps.log.info('asterisk.reloaded', { commit: d.input.commit, ...reloadMeasuredIn(pass).reload });
}

async function verify(pass: PassRun, d: Deploying): Promise<Stop> {
  const { target, config, log } = pass.deps;
  const { compiled, changes, drift, commit, live, desired } = d.input;
  const endpoints = compiled.model.extensions.length;
  if (config.verify) {
    const listingTimeout = listingTimeoutMs(pass, config.asterisk.timeoutMs, endpoints, pass.status.lastReload);
    // `pjsip list endpoints` (in parts at this size): the ids without every endpoint's rows, so an
    // unrelated phone's REGISTER is not kept waiting while Asterisk prints them (README "Known limits")
    const shown = await listEndpoints(target, { ...config.asterisk, timeoutMs: listingTimeout }, endpoints);
    if (!shown.ok) throw await rollback(pass, d, asteriskError(shown, "'pjsip list endpoints'"));
    const check = checkLoaded(compiled.model.extensions.map((e) => e.number), changes.removed, shown.value);
    if (!check.ok) {
      const parts = [check.missing.length ? `not loaded: ${check.missing.join(', ')} (Asterisk rejected their section; see its log)` : '',
        check.stillPresent.length ? `still loaded after removal: ${check.stillPresent.join(', ')}` : ''].filter(Boolean);
      throw await rollback(pass, d, failed('VerifyFailed', `after the reload ${parts.join('; ')}`));
    }
    // what was added or changed: each object the wizard should make, with the values Git wrote
    // (an interrupted pass's file is already live, so its change is read against the file it replaced)
    const since = d.input.resume && d.previous ? extensionChanges(d.previous.toString('utf8'), desired.data.toString('utf8')) : changes;
    const touched = [...since.added, ...since.changed];
    const t0 = performance.now();
    const v = await verifyExtensions(target, config.asterisk, compiled.model, desired.data.toString('utf8'), touched, shown.value, listingTimeout);
    if (!v.ok) throw await rollback(pass, d, asteriskError(v.failure, `'${v.command}'`));
    if (v.existenceOnly > 0) {
      log.info('verify.sampled', { changed: touched.length, valueChecked: v.valueChecked, existenceOnly: v.existenceOnly, kinds: v.kinds,
        note: `every object of the ${touched.length} changed extensions checked for existence; values compared for ${v.valueChecked} ` +
          `(each of the ${v.kinds} kinds, the first, the last, the rest spread over the range)` });
    }
    if (v.problems.length) {
      log.error('asterisk.verify-mismatch', { problems: v.problems.map((p) => ({ extension: p.extension, what: p.what, code: p.code })) });
      throw await rollback(pass, d, failed('VerifyFailed', `after the reload Asterisk does not have what Git wrote for ` +
        `${[...new Set(v.problems.map((p) => p.extension))].length} changed extension(s): ${describeProblems(v.problems)} ` +
        '(a value Asterisk refused drops that object, or keeps its old one; see its log)'));
    }
    log.info('asterisk.verified', { endpoints, removed: changes.removed.length, changedVerified: touched.length,
      valueChecked: v.valueChecked, existenceOnly: v.existenceOnly, listings: v.listings, objectsShown: v.objectsShown,
      verifyChangedMs: Math.round(performance.now() - t0) });
  }
  const what = drift ? 'drift corrected: rewrote' : live.sha === desired.sha ? 'applied (its file was already written, not yet verified)' : 'applied';
  return new Stop(drift ? 'drift-corrected' : 'applied', drift ? 'DriftCorrected' : 'Applied',
    `${what} commit ${commit.slice(0, 12)} (${describeChanges(changes)}), ` +
    `reloaded${config.verify ? `, verified ${endpoints} endpoints` : ' (verify is off)'}`);
}
