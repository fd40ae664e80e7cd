// `pjsip-gitops suspend --config F --reason "…"` and `pjsip-gitops resume --config F`, as Flux's
// `flux suspend|resume`: while suspended the loop keeps running and reporting, but writes nothing and
// reloads nothing (its passes end Suspended), and `apply` refuses (except --dry-run). The suspension
// is a file in the state dir (reconciler/suspension.ts), so it outlives a restart of the loop. Both
// commands poke a running loop (SIGHUP) so that its status says so at once — and, after resume,
// its next pass applies what waited.
import { userInfo } from 'node:os';
import { ConfigError, loadConfig, type ReconcilerConfig } from '../../reconciler/config.js';
import { runningLoop } from '../../reconciler/loop.js';
import { clearSuspension, readSuspension, writeSuspension } from '../../reconciler/suspension.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const EXIT_CODES = 'exit codes: 0 done (also when it already was so), 1 the state directory cannot be written, 2 usage or config error\n';

const SUSPEND = defineCommand({
  name: 'suspend',
  help: `usage: pjsip-gitops suspend --config <reconciler.yaml> --reason <text>

Suspends writes: the reconcile loop keeps running, fetching, compiling and comparing, and reports
what it would do (drift is reported, not corrected; a new commit is reported as pending), but it
writes nothing and reloads nothing: its passes end Suspended. apply refuses too; apply --dry-run
still works. Survives a restart of the reconciler. status, /status and the metric
pjsip_gitops_suspended show it, with the reason and since when. 'pjsip-gitops resume' ends it.

options:
  --config <file>   the reconciler config (its stateDir holds the suspension)
  --reason <text>   why (shown wherever the suspension is), e.g. "Asterisk upgrade, ticket 4711"
  -h, --help        this text

${EXIT_CODES}`,
  options: { config: { type: 'string', short: 'c' }, reason: { type: 'string' } },
});

const RESUME = defineCommand({
  name: 'resume',
  help: `usage: pjsip-gitops resume --config <reconciler.yaml>

Ends a suspension (pjsip-gitops suspend): the running reconciler starts a pass at once, which writes
what waited.

options:
  --config <file>   the reconciler config
  -h, --help        this text

${EXIT_CODES}`,
  options: { config: { type: 'string', short: 'c' } },
});

async function configOf(name: string, file: string | undefined, io: CommandIO): Promise<ReconcilerConfig | number> {
  if (!file) throw new UsageError('--config is required');
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`pjsip-gitops ${name}: the config has problems:\n${err.message}\n`);
    return 2;
  }
}

function who(io: CommandIO): string | undefined {
  // under sudo, the person rather than root
  if (io.env.SUDO_USER) return io.env.SUDO_USER;
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** SIGHUP to the loop on this state dir, when one runs here; what happened, for the person. */
async function poke(stateDir: string): Promise<string> {
  const found = await runningLoop(stateDir);
  if ('none' in found) return 'no reconcile loop runs here; the next one started sees it';
  try {
    process.kill(found.pid.pid, 'SIGHUP');
    return `the reconciler (pid ${found.pid.pid}) starts a pass now`;
  } catch {
    return `the reconciler (pid ${found.pid.pid}) could not be signalled; its next pass sees it`;
  }
}

async function stateWrite(name: string, io: CommandIO, write: () => Promise<void>): Promise<number | undefined> {
  try {
    await write();
    return undefined;
  } catch (err) {
    io.stderr.write(`pjsip-gitops ${name}: cannot write the state directory: ${err instanceof Error ? err.message : String(err)}; ` +
      "run this as the reconciler's user or root\n");
    return 1;
  }
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SUSPEND, args, io, async ({ values }) => {
    const reason = values.reason?.trim();
    if (!reason) throw new UsageError('--reason is required: say why, for whoever finds it suspended');
    const config = await configOf('suspend', values.config, io);
    if (typeof config === 'number') return config;
    const before = await readSuspension(config.stateDir);
    // suspending again keeps the first `since`: the alert on a forgotten suspension counts from it
    const since = before?.since ?? new Date().toISOString();
    const by = who(io);
    const failed = await stateWrite('suspend', io, () => writeSuspension(config.stateDir, { reason, since, ...(by ? { by } : {}) }));
    if (failed !== undefined) return failed;
    io.stdout.write(`${before ? 'already suspended; reason updated' : 'suspended'}: writes paused since ${since} (${reason})\n` +
      `${await poke(config.stateDir)}; 'pjsip-gitops resume --config ${config.file}' ends it\n`);
    return 0;
  });
}

export async function runResume(args: string[], io: CommandIO): Promise<number> {
  return runCommand(RESUME, args, io, async ({ values }) => {
    const config = await configOf('resume', values.config, io);
    if (typeof config === 'number') return config;
    const before = await readSuspension(config.stateDir);
    let removed = false;
    const failed = await stateWrite('resume', io, async () => { removed = await clearSuspension(config.stateDir); });
    if (failed !== undefined) return failed;
    if (!removed) {
      io.stdout.write('not suspended: nothing to resume\n');
      return 0;
    }
    io.stdout.write(`resumed: writes were suspended since ${before?.since ?? '?'} (${before?.reason ?? '?'}); ${await poke(config.stateDir)}\n`);
    return 0;
  });
}
