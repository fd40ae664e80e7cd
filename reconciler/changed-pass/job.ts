// The part of a pass that grows with the number of extensions — compile, compare and guards, deploy
// and verify — as a job for another process or thread (./run.ts), once the source phase in the loop
// found that something changed. The job builds its own deps from the config (target, host secrets),
// runs the same phases on the same status, and answers plain data: how the pass ended, its notes
// and steps. Its log lines go to the loop's logger already redacted by a logger that learnt every
// password the compile was handed; those passwords go along first, so the loop's logger knows them.
import { redactFields, redactText } from '../../compiler/secrets-policy.js';
import { MIN_KNOWN_SECRET } from '../../compiler/secrets-policy.js';
import type { ReconcilerConfig } from '../config.js';
import { PassError, messageOf } from '../errors.js';
import type { Level, Logger } from '../log.js';
import type { DryRunPreview, ErrorKind, PassOutcome, Reason, Status } from '../pass-types.js';
import type { LiveFile, PassNotes, Sourced } from '../steps/types.js';

export interface ChangedPassJob {
  config: ReconcilerConfig;
  status: Status;
  options: { dryRun: boolean; retryFailed: boolean; trigger: string };
  /** the caller wants a dry run's preview */
  preview: boolean;
  sourced: Sourced;
  notes: PassNotes;
  /** passwords the caller's logger already knows */
  secrets: string[];
}

/** Sent while the job runs, in order. */
export type ChangedPassEvent =
  | { kind: 'secret'; value: string }
  | { kind: 'log'; level: Level; event: string; fields: Record<string, unknown> };

export interface ChangedPassAnswer {
  kind: 'answer';
  end?: { result: PassOutcome; reason: Reason; message: string; preview?: DryRunPreview; previewError?: string };
  error?: { kind: ErrorKind; reason: Reason; message: string };
  internal?: string;
  notes: PassNotes;
  steps: { name: string; outcome: string; ms: number }[];
}

/** A logger that redacts as reconciler/log.ts does, and hands each line and each learnt password to `send`. */
function forwardingLogger(send: (e: ChangedPassEvent) => void, known: string[]): Logger {
  const secrets = new Set(known);
  const logger: Logger = {
    log(level, event, fields = {}) {
      send({ kind: 'log', level, event, fields: redactFields(fields, secrets) as Record<string, unknown> });
    },
    info: (event, fields) => logger.log('info', event, fields),
    warn: (event, fields) => logger.log('warn', event, fields),
    error: (event, fields) => logger.log('error', event, fields),
    addSecret(value) {
      if (value.length < MIN_KNOWN_SECRET || secrets.has(value)) return;
      secrets.add(value);
      send({ kind: 'secret', value });
    },
    redact: (text) => redactText(text, secrets),
  };
  return logger;
}

export async function runChangedPass(job: ChangedPassJob, send: (e: ChangedPassEvent) => void): Promise<ChangedPassAnswer> {
  // loaded here, in the job's process: the loop itself never loads the compiler
  const { loadPassDeps } = await import('../pass.js');
  const { PassRun, Stop } = await import('../steps/types.js');
  const { compilePhase } = await import('../steps/compile.js');
  const { checkPhase } = await import('../steps/check.js');
  const { deployPhase } = await import('../steps/deploy.js');
  const { PreviewStop } = await import('../steps/preview.js');
  const { connectTarget } = await import('../steps/source.js');
  const log = forwardingLogger(send, job.secrets);
  const deps = await loadPassDeps(job.config, { log, compileIn: 'here' });
  const pass = new PassRun(deps, job.status, job.options);
  Object.assign(pass.notes, withBuffers(job.notes));
  const sourced = { ...job.sourced, live: liveWithBuffer(job.sourced.live) };
  const answer = (a: Omit<ChangedPassAnswer, 'kind' | 'notes' | 'steps'>): ChangedPassAnswer =>
    ({ kind: 'answer', ...a, notes: pass.notes, steps: pass.steps });
  try {
    // a target of its own (an SSH connection of its own), connected as the loop's was
    await connectTarget(pass);
    const compiled = await compilePhase(pass, sourced);
    const checked = await checkPhase(pass, compiled);
    const end = checked instanceof Stop ? checked : await deployPhase(pass, checked);
    let preview: DryRunPreview | undefined;
    let previewError: string | undefined;
    if (job.preview && end instanceof PreviewStop) {
      try {
        preview = end.preview();
      } catch (err) {
        previewError = log.redact(messageOf(err));
      }
    }
    return answer({ end: { result: end.result, reason: end.reason, message: end.message,
      ...(preview ? { preview } : {}), ...(previewError ? { previewError } : {}) } });
  } catch (err) {
    if (err instanceof PassError) return answer({ error: { kind: err.kind, reason: err.reason, message: err.message } });
    return answer({ internal: messageOf(err) });
  } finally {
    await deps.target.close().catch(() => undefined);
  }
}

/** A Buffer again: a worker thread's messages turn Buffers into plain Uint8Arrays. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function liveWithBuffer(live: LiveFile): LiveFile {
  return { ...live, data: live.data === null ? null : asBuffer(live.data) };
}

/** The notes with their file contents as Buffers, after a trip through a message. */
export function withBuffers(notes: PassNotes): PassNotes {
  return {
    ...notes,
    ...(notes.live ? { live: liveWithBuffer(notes.live) } : {}),
    ...(notes.content ? { content: { ...notes.content, desired: { ...notes.content.desired, data: asBuffer(notes.content.desired.data) } } } : {}),
  };
}
