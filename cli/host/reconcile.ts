// `pjsip-gitops reconcile --config F`: the long-running reconciler. It takes the target's lock for
// its whole life, runs a pass now and then every interval (backing off while git or Asterisk is
// unreachable), passes at once on SIGHUP or a hand edit of the live file, and on SIGTERM/SIGINT
// finishes the pass in hand and exits 0.
// `pjsip-gitops reconcile --now --config F` asks that running reconciler for a pass (SIGHUP).
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../reconciler/backoff.js';
import { ConfigError, durationMs, loadConfig, type ReconcilerConfig } from '../../reconciler/config.js';
import type { DriftWatch } from '../../reconciler/drift-watch.js';
import { ListenError, parseListen, startHttpServer, type HttpServer, type Listen } from '../../reconciler/http.js';
import { acquireLock, LockHeldError, releaseLock } from '../../reconciler/lock.js';
import { createLogger, type Logger } from '../../reconciler/log.js';
import { ReconcileLoop, runningLoop } from '../../reconciler/loop.js';
import { removePidFile, writePidFile } from '../../reconciler/io/pid-file.js';
import { PassMetrics, type MetricsSnapshot } from '../../reconciler/metrics.js';
import { outcomeOf } from '../../reconciler/outcome.js';
import { compileInFromEnv, loadPassDeps, runPass, type PassDeps, type PassResult } from '../../reconciler/pass.js';
import { readStatus, type Status } from '../../reconciler/state.js';
import { targetLabel } from '../../reconciler/targets/index.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'reconcile',
  help: `usage: pjsip-gitops reconcile --config <reconciler.yaml> [options]
       pjsip-gitops reconcile --now --config <reconciler.yaml> [--wait [--timeout 5m]]

Runs the reconcile loop: a pass now, then one every source.interval (± source.jitter); after a
transient failure (git or Asterisk unreachable) the wait backs off from 10 s, doubling, up to 5 min,
and starts over after a pass that gets through. A hand edit of the live file (local and docker
targets) and SIGHUP start a pass at once. SIGTERM or SIGINT: the pass in hand finishes, then exit 0.
Only one reconciler (or apply) runs per state directory: a second one is refused.
One JSON line per event on stdout. With http.listen set in the config, serves /healthz, /readyz,
/status and /metrics on that loopback address.

--now sends SIGHUP to the reconcile loop running on this config's state directory (exit 1 when
none runs); --wait then waits for that pass and exits as status does (0 Ready, 1 otherwise).

options:
  --config <file>           the reconciler config (required)
  --now                     trigger a pass in the running reconciler, then exit
  --wait                    with --now: wait for the pass to finish and print its result
  --timeout <duration>      with --wait: give up after this long (default 5m; exit 1)
  --backoff-initial <dur>   first wait after a transient failure (default 10s)
  --backoff-max <dur>       longest wait after transient failures (default 5m)
  -h, --help                this text

exit codes: 0 stopped by a signal (or --now: pass triggered; with --wait: it ended Ready),
1 another reconciler holds the lock, it could not start (e.g. the HTTP port is taken), none runs
(--now) or the pass did not end Ready (--wait), 2 usage or config error
`,
  options: {
    config: { type: 'string', short: 'c' },
    now: { type: 'boolean' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    'backoff-initial': { type: 'string' },
    'backoff-max': { type: 'string' },
  },
});

function fail(io: CommandIO, message: string, code = 2): number {
  io.stderr.write(`pjsip-gitops reconcile: ${message}\n`);
  return code;
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, argv, io, async ({ values: args }) => {
    if (!args.config) throw new UsageError('--config is required');
    if ((args.wait || args.timeout) && !args.now) throw new UsageError('--wait and --timeout go with --now');
    let backoff: BackoffPolicy;
    let waitTimeoutMs: number;
    try {
      backoff = {
        ...DEFAULT_BACKOFF,
        ...(args['backoff-initial'] ? { initialMs: durationMs(args['backoff-initial']) } : {}),
        ...(args['backoff-max'] ? { maxMs: durationMs(args['backoff-max']) } : {}),
      };
      if (!(backoff.initialMs > 0) || backoff.maxMs < backoff.initialMs) throw new Error('--backoff-max must be at least --backoff-initial, both above 0');
      waitTimeoutMs = durationMs(args.timeout ?? '5m');
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (durations look like 500ms, 10s, 5m, 1h)`);
    }
    let config: ReconcilerConfig;
    try {
      config = await loadConfig(args.config);
    } catch (err) {
      if (err instanceof ConfigError) return fail(io, `the config has problems:\n${err.message}`);
      throw err;
    }
    if (args.now) return triggerRunning(io, config, args.wait ? waitTimeoutMs : undefined);
    let listen: Listen | undefined;
    try {
      if (config.http) listen = parseListen(config.http.listen);
    } catch (err) {
      if (err instanceof ListenError) return fail(io, err.message);
      throw err;
    }
    return runLoop(io, config, backoff, listen);
  });
}

/** `--now`: SIGHUP to the loop named by the pid file, after checking it really holds the lock. */
async function triggerRunning(io: CommandIO, config: ReconcilerConfig, waitMs: number | undefined): Promise<number> {
  const found = await runningLoop(config.stateDir);
  if ('none' in found) return fail(io, `${found.none}; start one with 'pjsip-gitops reconcile --config ${config.file}'`, 1);
  const sentAt = new Date().toISOString();
  try {
    process.kill(found.pid.pid, 'SIGHUP');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return fail(io, `not allowed to signal the reconciler (pid ${found.pid.pid}): run this as its user or root, ` +
      `or use 'systemctl reload pjsip-gitops'`, 1);
  }
  io.stdout.write(`sent SIGHUP to the reconciler (pid ${found.pid.pid}): it starts a pass now, or right after the one in hand\n`);
  if (waitMs === undefined) {
    io.stdout.write(`follow it in its log, or with 'pjsip-gitops status --config ${config.file}'\n`);
    return 0;
  }
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    const status = await readStatus(config.stateDir);
    // any pass that started after the signal saw the branch as it is now (a drift event queued at
    // the same time may have started it under its own trigger)
    const mine = status.history.find((p) => p.startedAt >= sentAt); // same millisecond counts
    if (mine) {
      io.stdout.write(`pass: ${mine.result} (${mine.reason}) ${mine.message}\n`);
      return mine.condition === 'Ready' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return fail(io, `no pass was recorded within ${Math.round(waitMs / 1000)} s; see the reconciler's log`, 1);
}

function snapshotOf(status: Status, loop: ReconcileLoop<PassResult>): MetricsSnapshot {
  const c = status.counters;
  const never = status.condition.reason === 'NeverRun';
  return {
    passes: { ...c.passes } as Record<string, number>,
    reloads: c.reloads,
    driftEvents: c.driftEvents,
    ...(c.lastSuccessTime ? { lastSuccessSeconds: Math.floor(Date.parse(c.lastSuccessTime) / 1000) } : {}),
    ...(never ? {} : { condition: status.condition.type }),
    ...(status.lastApplied?.extensions ? { extensions: status.lastApplied.extensions.length } : {}),
    transientFailures: loop.transientFailures,
    process: {
      residentBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      startTimeSeconds: Math.floor(Date.now() / 1000 - process.uptime()),
    },
  };
}

async function runLoop(io: CommandIO, config: ReconcilerConfig, backoff: BackoffPolicy, listen: Listen | undefined): Promise<number> {
  const log = createLogger({ write: (line) => { io.stdout.write(line); } });
  let release: () => Promise<void>;
  try {
    release = await acquireLock(config.stateDir);
  } catch (err) {
    if (!(err instanceof LockHeldError)) throw err;
    log.error('reconciler.refused', { reason: 'LockHeld', message: err.message });
    return fail(io, `${err.message}`, 1);
  }
  let deps: PassDeps | undefined;
  let watch: DriftWatch | undefined;
  let http: HttpServer | undefined;
  const passMetrics = new PassMetrics(); // durations, rollbacks, verify failures of this process's passes
  const signals: [NodeJS.Signals, () => void][] = [];
  try {
    const loop: ReconcileLoop<PassResult> = new ReconcileLoop<PassResult>({
      runPass: async (trigger) => {
        // the pass connects to the target: a PBX that is down at boot is a transient failure, not an exit
        // each compile in a process of its own: the loop keeps no memory of 10,000 extensions between passes
        deps ??= await loadPassDeps(config, { log, compileIn: compileInFromEnv() ?? 'child' });
        const result = await runPass(deps, { trigger });
        passMetrics.observe(result);
        // a dropped SSH connection does not come back by itself: the next pass connects afresh
        if (outcomeOf(result).next === 'backoff' && config.target.kind === 'ssh') await deps.target.close().catch(() => undefined);
        return result;
      },
      intervalMs: config.source.intervalMs,
      jitterMs: Math.round(config.source.intervalMs * config.source.jitter),
      backoff,
      log: (level, event, fields) => log.log(level, event, fields),
      afterPass: () => watch?.recheck(),
    });
    installSignals(loop, log, signals);
    const pid = await writePidFile(config.stateDir);
    if (config.target.kind !== 'ssh') {
      const { startDriftWatch } = await import('../../reconciler/drift-watch.js');
      watch = await startDriftWatch({
        liveFile: config.target.liveFile,
        expectedSha256: async () => (await readStatus(config.stateDir)).lastApplied?.fileSha256,
        busy: () => loop.passRunning,
        onDrift: () => loop.trigger('drift'),
        log: (level, event, fields) => log.log(level, event, fields),
      });
    }
    if (listen) {
      http = await startHttpServer(listen, {
        health: () => loop.health(),
        status: async () => ({ ...(await readStatus(config.stateDir)), reconciler: { pid: pid.pid, startedAt: pid.startedAt, ...loop.health() } }),
        metrics: async () => {
          const status = await readStatus(config.stateDir);
          return { ...snapshotOf(status, loop), ...passMetrics.snapshot(status) };
        },
      });
      log.info('http.listening', { address: `${http.address.host.includes(':') ? `[${http.address.host}]` : http.address.host}:${http.address.port}` });
    }
    const suspended = (await readStatus(config.stateDir)).suspended;
    log.info('reconciler.start', {
      pid: pid.pid, config: config.file, stateDir: config.stateDir, target: targetLabel(config), liveFile: config.target.liveFile,
      intervalMs: config.source.intervalMs, jitter: config.source.jitter, backoff, driftWatch: watch !== undefined,
      // a suspension outlives restarts: say so at once, not only in the first pass's result
      ...(suspended ? { suspended: { since: suspended.since, reason: suspended.reason } } : {}),
    });
    await loop.start('startup');
    return 0;
  } catch (err) {
    log.error('reconciler.error', { error: err instanceof Error ? err.message : String(err) });
    // e.g. the HTTP port is taken: exit 1 so that systemd tries again (2 is kept for config errors)
    return fail(io, `cannot run: ${err instanceof Error ? err.message : String(err)}`, 1);
  } finally {
    await watch?.close().catch(() => undefined);
    await http?.close().catch(() => undefined);
    await deps?.target.close().catch(() => undefined);
    await removePidFile(config.stateDir).catch(() => undefined);
    await releaseLock(release, config.stateDir, log);
    for (const [sig, fn] of signals) process.off(sig, fn);
    log.info('reconciler.exit', { pid: process.pid });
  }
}

function installSignals(loop: ReconcileLoop<PassResult>, log: Logger, installed: [NodeJS.Signals, () => void][]): void {
  const on = (sig: NodeJS.Signals, fn: () => void) => {
    process.on(sig, fn);
    installed.push([sig, fn]);
  };
  let stopping = false;
  on('SIGHUP', () => {
    const action = stopping ? 'ignored: stopping' : loop.passRunning ? 'a pass follows the one in hand' : 'pass now';
    log.info('signal.received', { signal: 'SIGHUP', action });
    loop.trigger('sighup');
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    on(sig, () => {
      if (stopping) {
        log.warn('signal.received', { signal: sig, action: 'already stopping; the pass in hand finishes first (SIGKILL aborts it)' });
        return;
      }
      stopping = true;
      log.info('signal.received', { signal: sig, action: 'stop after the pass in hand' });
      void loop.stop(sig);
    });
  }
}
