// What a dry run shows: the change in Asterisk's terms (the plan's compare and render, the live file
// read back into a model beside the commit's) and the redacted diff the drift report uses. Every
// password either file holds is redacted from all of it, whatever the line or field.
import { changeLines } from '../../compiler/plan/render.js';
import { compareModels } from '../../compiler/plan/compare.js';
import { confModel, confPasswords } from '../../compiler/plan/conf-model.js';
import { compiledPasswords, redactDeep, redactor } from '../../compiler/plan/redact.js';
import type { DryRunPreview, PassOutcome, Reason } from '../pass-types.js';
import { redactedDiff } from './compare.js';
import { Stop, type Checked, type PassRun } from './types.js';

/** A dry run's end, with what it would change: worked out only when asked (a suspended pass ends here too, and shows none). */
export class PreviewStop extends Stop {
  constructor(result: PassOutcome, reason: Reason, message: string, readonly preview: () => DryRunPreview) {
    super(result, reason, message);
  }
}

export function previewOf(pass: PassRun, input: Checked): DryRunPreview {
  const liveText = input.live.data?.toString('utf8') ?? '';
  const { compiled } = input;
  const profile = compiled.model.profile;
  // both sides read back from their text: see conf-model.ts
  const changes = compareModels(confModel(liveText, profile), confModel(compiled.conf, profile));
  const diff = input.live.sha === input.desired.sha ? ''
    : redactedDiff(liveText, compiled.redacted, pass.deps.config.target.liveFile, confPasswords(liveText), compiled.conf);
  const known = redactor([...confPasswords(liveText), ...compiledPasswords(compiled)]);
  const redact = (text: string) => pass.deps.log.redact(known(text));
  return redactDeep({ lines: changeLines(changes), changes, diff }, redact);
}
