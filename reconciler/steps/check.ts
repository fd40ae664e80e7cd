// The compare and guards phase: what changes between the live file and the commit's, whether that
// content already failed, whether the guards and the host allow it — and, on a dry run, the end.
import { compare, knownFailure } from './compare.js';
import { checkGuards, checkHost } from './guards.js';
import { PreviewStop, previewOf } from './preview.js';
import { checkRealtimeHostOf, compareRows, rowsDryRunEnd, usesRealtime } from '../realtime/pass-steps.js';
import { Stop, type Checked, type Compiled, type PassRun } from './types.js';

export async function checkPhase(pass: PassRun, compiled: Compiled): Promise<Checked | Stop> {
  // realtime: a row diff against the tables, not the wizard file (reconciler/realtime/pass-steps.ts)
  const realtime = usesRealtime(pass.deps.config);
  const checked = await pass.step('compare', () => (realtime ? compareRows(pass, compiled) : compare(pass, compiled)));
  if (checked instanceof Stop) return checked;
  const failedBefore = await pass.step('known-failure', async () => knownFailure(pass, checked));
  if (failedBefore) return failedBefore;
  await pass.step('guards', async () => checkGuards(pass, checked));
  await pass.step('host-check', () => checkHost(pass, checked));
  if (realtime) await pass.step('realtime-host-check', () => checkRealtimeHostOf(pass));
  const dryRun = await pass.step('dry-run', async () => (!pass.options.dryRun ? undefined : realtime ? rowsDryRunEnd(pass, checked) : dryRunEnd(pass, checked)));
  return dryRun ?? checked;
}

export function describeChanges(c: Checked['changes']): string {
  return `+${c.added.length} -${c.removed.length} ~${c.changed.length} extensions`;
}

/** The dry run's end, with the change it would make (diff and change list: steps/preview.ts). */
function dryRunEnd(pass: PassRun, input: Checked): Stop {
  const c = input.changes;
  const detail = [c.added.length ? `add ${c.added.join(', ')}` : '', c.removed.length ? `remove ${c.removed.join(', ')}` : '',
    c.changed.length ? `change ${c.changed.join(', ')}` : ''].filter(Boolean).join('; ');
  return new PreviewStop('dry-run', 'DryRun',
    `would ${input.drift ? 'correct drift in' : 'write'} ${pass.deps.config.target.liveFile} (${input.desired.data.length} bytes, ` +
    `${describeChanges(c)}${detail ? `: ${detail}` : ''}) and reload Asterisk; nothing was changed`, () => previewOf(pass, input));
}
