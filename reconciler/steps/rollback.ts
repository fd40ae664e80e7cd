// A rollback is a deploy like any other: it goes to the last content that verified (never to less),
// passes the empty-file guard, is reloaded and verified. With nothing verified to go back to, the file
// is put back as the pass found it when that is a real file, and otherwise left — and the message says so.
import { checkLoaded, outlastedCli, reload as reloadAsterisk, waitReloadIdle } from '../asterisk.js';
import { listEndpoints } from '../asterisk-objects.js';
import { PassError, asteriskError, messageOf } from '../errors.js';
import { findKeptContent, sha256 } from '../state.js';
import { lastReloadFor, listingTimeoutMs, noteReload, reloadTimeout } from '../reload-timeout.js';
import { guardPolicy } from './guards.js';
import type { Checked, PassRun } from './types.js';
import { extensionChanges } from './wizard-file.js';

/** The deploy in hand: the checked change, and the file it replaces. */
export interface Deploying {
  input: Checked;
  /** the live file before this pass (or before an interrupted one); a rollback goes to it only when it verified, or when nothing did */
  previous: Buffer | null;
  backupPath: string | undefined;
}

// Passes whose reload may still run inside Asterisk: its CLI was killed at the timeout, or it outlasted
// `asterisk -rx` and did not end within the timeout. A rollback must not write the file meanwhile:
// the wizard reads pjsip_wizard.conf during the reload, and the reload would take a mix of both files.
const mayStillReload = new WeakSet<object>();

/**
 * Reloads a file of `endpoints` endpoints (`what`: the new file or the rollback's), killed at a
 * timeout that scales with them (reconciler/reload-timeout.ts); a success is measured for the next.
 * A reload that came back from `asterisk -rx` without an answer after its 60 s wait (asterisk.ts,
 * outlastedCli) is not a failure: its outcome is unknown, so the pass waits for Asterisk to end it
 * (waitReloadIdle, within the same timeout) and verify decides.
 */
export async function reload(pass: PassRun, endpoints: number, what: 'new file' | 'rollback'): Promise<PassError | null> {
  const { target, config, log } = pass.deps;
  pass.notes.reloads++;
  const t = reloadTimeout(config.asterisk.timeoutMs, endpoints, lastReloadFor(pass, pass.status.lastReload));
  log.info('reload.timeout', { for: what, endpoints, timeoutMs: t.timeoutMs, basis: t.basis, why: t.why });
  const t0 = performance.now();
  const r = await reloadAsterisk(target, { ...config.asterisk, timeoutMs: t.timeoutMs });
  if (!r.ok) {
    const afterMs = Math.round(performance.now() - t0);
    // a killed CLI leaves Asterisk reloading
    if (r.reason === 'timeout') mayStillReload.add(pass);
    if (!outlastedCli(r, afterMs, config.asterisk)) return asteriskError(r, 'reload');
    log.warn('reload.outlasted-cli', { for: what, endpoints, afterMs, timeoutMs: t.timeoutMs, answer: r.detail,
      note: 'asterisk -rx stops waiting after 60 s without output while Asterisk goes on reloading: the outcome is unknown; ' +
        'waiting for the reload to end, then verify decides' });
    const w = await waitReloadIdle(target, config.asterisk, t0 + t.timeoutMs);
    const waitedMs = Math.round(performance.now() - t0);
    if (!w.idle) {
      mayStillReload.add(pass);
      log.error('reload.unfinished', { for: what, endpoints, waitedMs, timeoutMs: t.timeoutMs, probes: w.probes, probe: w.detail });
      return asteriskError({ reason: w.reason, detail: `no answer from asterisk -rx after ${afterMs} ms (it waits 60 s at most), ` +
        `and Asterisk was still reloading when the ${t.timeoutMs} ms timeout passed: ${w.detail}` }, 'reload');
    }
    log.info('reload.ended', { for: what, endpoints, durationMs: waitedMs, probes: w.probes, note: 'the reload ended in Asterisk; verify decides whether it loaded the file' });
    noteReload(pass, { durationMs: waitedMs, endpoints, time: pass.now().toISOString() });
    return null;
  }
  noteReload(pass, { durationMs: Math.round(performance.now() - t0), endpoints, time: pass.now().toISOString() });
  return null;
}

/**
 * Before a rollback writes: when this pass's reload may still run in Asterisk, wait for it to end, as
 * long as a reload of the larger of the two files (the one running, the restored one) may take. Null
 * when the way is clear, else why not.
 */
async function reloadEnded(pass: PassRun, endpoints: number): Promise<string | null> {
  if (!mayStillReload.has(pass)) return null;
  const { target, config, log } = pass.deps;
  const t = reloadTimeout(config.asterisk.timeoutMs, endpoints, lastReloadFor(pass, pass.status.lastReload));
  const t0 = performance.now();
  const w = await waitReloadIdle(target, config.asterisk, t0 + t.timeoutMs);
  const waitedMs = Math.round(performance.now() - t0);
  if (!w.idle) {
    log.error('rollback.reload-still-running', { waitedMs, timeoutMs: t.timeoutMs, probes: w.probes, probe: w.detail });
    return `Asterisk was still reloading the new file after another ${t.timeoutMs} ms (${w.detail})`;
  }
  mayStillReload.delete(pass);
  log.info('rollback.reload-ended', { waitedMs, probes: w.probes });
  return null;
}

interface RollbackTarget {
  data: Buffer;
  /** how the message names it: "the previous file", "the last verified file (…)" */
  what: string;
  verified: boolean;
}

const extensionsIn = (data: Buffer): string[] => extensionChanges('', data.toString('utf8')).added;

/** Where a rollback goes, or why there is nowhere to go. */
async function rollbackTarget(pass: PassRun, d: Deploying): Promise<RollbackTarget | { none: string }> {
  const last = pass.status.lastApplied;
  const prev = d.previous;
  const desiredSha = d.input.desired.sha;
  const prevSha = prev === null ? undefined : sha256(prev);
  let why: string;
  if (!last) why = 'nothing has verified on this host yet';
  else if (last.fileSha256 === desiredSha) why = 'the last content that verified is this same content';
  else {
    if (prev && prevSha === last.fileSha256) return { data: prev, what: 'the previous file', verified: true };
    const kept = await findKeptContent(pass.deps.config.stateDir, last.fileSha256);
    if (kept) return { data: kept.data, what: `the last verified file (commit ${last.commit.slice(0, 12)}, kept in ${kept.path})`, verified: true };
    why = `the last verified content (commit ${last.commit.slice(0, 12)}) is no longer kept in ${pass.deps.config.stateDir}`;
  }
  // nothing verified: the file as the pass found it, if it was a real one (an empty or missing file is less than Asterisk had)
  if (prev && prevSha !== desiredSha && extensionsIn(prev).length > 0) {
    return { data: prev, what: 'the previous file (as this pass found it; it never verified here)', verified: false };
  }
  const found = prev === null ? 'there was no live file before this pass' : prev.length === 0 ? 'the live file was empty before this pass'
    : prevSha === desiredSha ? 'the live file already held this content' : 'the live file before this pass had no extensions';
  return { none: `${why}, and ${found}` };
}

/** Roll back after `cause` (a failed reload or verify of the new file); returns the error to report. */
export async function rollback(pass: PassRun, d: Deploying, cause: PassError): Promise<PassError> {
  const { target, config, log } = pass.deps;
  const report = (text: string) => new PassError(cause.kind, cause.reason, `${cause.message}; ${text}`);
  const to = await rollbackTarget(pass, d);
  if ('none' in to) {
    log.error('rollback.none', { reason: to.none, file: config.target.liveFile });
    return report(`NOT ROLLED BACK: ${to.none}. The failed file stays live in ${config.target.liveFile} and Asterisk has what its reload loaded; ` +
      'fix the commit, or put a good file in place and reload by hand');
  }
  const expected = extensionsIn(to.data);
  if (expected.length === 0 && !guardPolicy(pass, d.input.compiled.model).allowEmpty) {
    log.error('rollback.refused', { restore: to.what, reason: 'no extensions' });
    return report(`NOT ROLLED BACK: ${to.what} has no extensions and guards.allowEmpty is off; the failed file stays live`);
  }
  // the wizard reads the live file while it reloads: never write under a reload still running
  const busy = await reloadEnded(pass, Math.max(expected.length, d.input.compiled.model.extensions.length));
  if (busy) {
    return report(`NOT ROLLED BACK: ${busy}; writing ${to.what} meanwhile would have that reload read a mix of both files. ` +
      `The new file stays live and Asterisk ends with what its reload loads; the next pass reloads and verifies it again`);
  }
  try {
    await target.writeFileAtomic(config.target.liveFile, to.data, config.target.mode);
  } catch (err) {
    log.error('rollback.write-failed', { error: messageOf(err), restore: to.what });
    return report(`ROLLBACK FAILED: cannot write ${to.what} to ${config.target.liveFile} (${messageOf(err)}); the failed file stays live` +
      (d.backupPath ? `; the file before this pass is in ${d.backupPath}` : ''));
  }
  const again = await reload(pass, expected.length, 'rollback');
  if (again) {
    log.error('rollback.done', { restored: to.what, bytes: to.data.length, reloaded: false, reloadError: again.message });
    return report(`restored ${to.what}, but its reload failed too (${again.message})`);
  }
  const checked = config.verify ? await verifyRestored(pass, expected) : 'verify is off';
  log.warn('rollback.done', { restored: to.what, bytes: to.data.length, reloaded: true, verifiedContent: to.verified, verify: checked });
  return report(`restored ${to.what} and reloaded it; ${checked}`);
}

/** After the rollback's reload: every extension of the restored file is loaded again. */
async function verifyRestored(pass: PassRun, expected: string[]): Promise<string> {
  const { target, config } = pass.deps;
  const timeoutMs = listingTimeoutMs(pass, config.asterisk.timeoutMs, expected.length, pass.status.lastReload);
  const shown = await listEndpoints(target, { ...config.asterisk, timeoutMs }, expected.length);
  if (!shown.ok) return `its verify failed: ${asteriskError(shown, "'pjsip list endpoints'").message}`;
  const { missing } = checkLoaded(expected, [], shown.value);
  if (missing.length) {
    return `but after it ${missing.length} extension${missing.length === 1 ? ' is' : 's are'} not loaded: ` +
      `${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`;
  }
  return `${expected.length} endpoints verified after the rollback`;
}
