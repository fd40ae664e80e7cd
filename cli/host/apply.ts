// `pjsip-gitops apply --config F [--dry-run] [--format text|json]`: one reconcile pass, now.
import { ConfigError, loadConfig } from '../../reconciler/config.js';
import { messageOf } from '../../reconciler/errors.js';
import { acquireLock, LockHeldError, releaseLock } from '../../reconciler/lock.js';
import { createLogger } from '../../reconciler/log.js';
import { outcomeOf } from '../../reconciler/outcome.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'apply',
  help: `usage: pjsip-gitops apply --config <reconciler.yaml> [--dry-run] [--format text|json]

Runs one reconcile pass: fetch the branch, compile it, and when what Asterisk sees changed, back up
the live pjsip_wizard.conf, write the new one atomically, reload Asterisk, verify every endpoint,
and roll back on failure. Event lines (JSON) go to stderr; the result goes to stdout.

options:
  --config <file>     the reconciler config (YAML)
  --dry-run           say what would be done; write nothing, reload nothing, record nothing
  --format text|json  how to print the result (default text)
  -q, --quiet         no event lines on stderr
  -h, --help          this text

exit codes:
  0  Ready: applied, unchanged, drift corrected, or (dry run) what would be done
  1  Failed or Stalled: rolled back, refused by a guard, does not compile, drift reported, lock held
  2  usage or config error, internal error
  3  transient: the remote, the target or Asterisk could not be reached; the live file is unchanged
`,
  options: {
    config: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
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
  return lines.join('\n') + '\n';
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values }) => {
    if (!values.config) throw new UsageError('--config is required');
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError('--format must be text or json');
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
        return outcomeOf(result).exitCode;
      } finally {
        await deps.target.close().catch(() => {});
      }
    } finally {
      await releaseLock(release, config.stateDir, log);
    }
  });
}
