// `pjsip-gitops apply --config F [--dry-run [--detailed-exitcode]] [--format text|json]`: one reconcile
// pass, now. A dry run shows the change (the plan's change lines and the redacted diff of the live
// file); --detailed-exitcode answers as `terraform plan -detailed-exitcode`. While writes are
// suspended (`pjsip-gitops suspend`) apply refuses, except --dry-run.
import { ConfigError, loadConfig } from '../../reconciler/config.js';
import { messageOf } from '../../reconciler/errors.js';
import { acquireLock, LockHeldError, releaseLock } from '../../reconciler/lock.js';
import { createLogger } from '../../reconciler/log.js';
import { outcomeOf } from '../../reconciler/outcome.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import type { Suspension } from '../../reconciler/pass-types.js';
import { readSuspension } from '../../reconciler/suspension.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'apply',
  help: `usage: pjsip-gitops apply --config <reconciler.yaml> [--dry-run [--detailed-exitcode]] [--format text|json]

Runs one reconcile pass: fetch the branch, compile it, and when what Asterisk sees changed, back up
the live pjsip_wizard.conf, write the new one atomically, reload Asterisk, verify every endpoint,
and roll back on failure. Event lines (JSON) go to stderr; the result goes to stdout.

options:
  --config <file>     the reconciler config (YAML)
  --dry-run           show what would change (extensions, then the diff of the live file, passwords
                      as (secret)); write nothing, reload nothing, record nothing
  --detailed-exitcode with --dry-run: 0 nothing to do, 2 changes to make, 1 error, 3 transient
  --format text|json  how to print the result (default text)
  -q, --quiet         no event lines on stderr
  -h, --help          this text

exit codes:
  0  Ready: applied, unchanged, drift corrected, or (dry run) what would be done
  1  Failed or Stalled: rolled back, refused by a guard, does not compile, drift reported, lock held,
     writes suspended (pjsip-gitops resume)
  2  usage or config error, internal error
  3  transient: the remote, the target or Asterisk could not be reached; the live file is unchanged
`,
  options: {
    config: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'detailed-exitcode': { type: 'boolean', default: false },
    format: { type: 'string', default: 'text' },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
});

export function formatResult(r: PassResult): string {
  const lines = [
    `${r.condition}: ${r.result} (${r.reason})`,
    `  ${r.message}`,
  ];
  if (r.commit) lines.push(`  commit ${r.commit.slice(0, 12)}${r.hash ? `, content ${r.hash.slice(0, 12)}` : ''}`);
  lines.push(`  reloaded: ${r.reloaded ? `yes (${r.reloadCount ?? 1})` : 'no'}; took ${r.durationMs} ms`);
  if (r.diagnostics?.length) lines.push('  problems:', ...r.diagnostics.map((d) => `    ${d}`));
  if (r.preview) {
    lines.push('', ...(r.preview.lines.length ? r.preview.lines : ['no extension changes (the file would be written again as it is)']));
    if (r.preview.diff) lines.push('', r.preview.diff.trimEnd());
  }
  return lines.join('\n') + '\n';
}

/** `terraform plan -detailed-exitcode`: 0 nothing to do, 2 something to do, 1 error; 3 (transient) as without it. */
export function detailedExitCode(r: PassResult): number {
  if (r.result === 'dry-run') return 2;
  const code = outcomeOf(r).exitCode;
  return code === 0 || code === 3 ? code : 1;
}

function refuseSuspended(s: Suspension, json: boolean, io: CommandIO): number {
  const message = `writes are suspended since ${s.since}${s.by ? ` by ${s.by}` : ''} (${s.reason}); nothing was done. ` +
    "'pjsip-gitops resume' ends it; 'apply --dry-run' shows what would change";
  if (json) io.stdout.write(JSON.stringify({ result: 'suspended', condition: outcomeOf('suspended').condition, reason: 'Suspended', message, suspended: s }, null, 2) + '\n');
  io.stderr.write(`pjsip-gitops apply: ${message}\n`);
  return outcomeOf('suspended').exitCode;
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values }) => {
    if (!values.config) throw new UsageError('--config is required');
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError('--format must be text or json');
    if (values['detailed-exitcode'] && !values['dry-run']) throw new UsageError('--detailed-exitcode goes with --dry-run');
    let config;
    try {
      config = await loadConfig(values.config);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`pjsip-gitops apply: invalid config\n${err.message}\n`);
        return 2;
      }
      throw err;
    }
    // asked before the lock, to say why; a suspend after this makes the pass itself end Suspended
    const suspended = await readSuspension(config.stateDir);
    if (suspended && !values['dry-run']) return refuseSuspended(suspended, values.format === 'json', io);
    if (suspended) io.stderr.write(`pjsip-gitops apply: note: writes are suspended since ${suspended.since} (${suspended.reason}); this dry run shows what resume would bring\n`);
    const log = createLogger({ write: values.quiet ? () => {} : (line) => { io.stderr.write(line); } });
    let release: (() => Promise<void>) | undefined;
    try {
      release = await acquireLock(config.stateDir);
    } catch (err) {
      if (err instanceof LockHeldError) {
        io.stderr.write(`pjsip-gitops apply: ${err.message}\n`);
        return 1;
      }
      io.stderr.write(`pjsip-gitops apply: cannot take the lock in ${config.stateDir}: ${messageOf(err)}\n`);
      return 2;
    }
    try {
      // connecting to the target is the pass's first step: a refused or unreachable one is a pass result
      const deps = await loadPassDeps(config, { log });
      try {
        const result = await runPass(deps, { dryRun: values['dry-run'], trigger: 'apply' });
        io.stdout.write(values.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatResult(result));
        return values['detailed-exitcode'] ? detailedExitCode(result) : outcomeOf(result).exitCode;
      } finally {
        await deps.target.close().catch(() => {});
      }
    } finally {
      await releaseLock(release, config.stateDir, log);
    }
  });
}
