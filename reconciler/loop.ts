// The reconcile loop: one pass at a time, then a wait — the interval with jitter after a pass that
// reached a verdict, an exponential backoff after a transient failure. A trigger (SIGHUP, a drift
// event) starts a pass at once, or right after the pass in hand. stop() lets the pass in hand
// finish and starts no other: a pass cut short could leave a rollback half done.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Backoff, DEFAULT_BACKOFF, jitteredInterval, type BackoffPolicy } from './backoff.js';
import type { Health } from './http.js';
import { isLive, readLockHolder } from './lock.js';
import { identifiedForSignal, matchProcess } from './io/process-identity.js';
import { pidFilePath, readPidFile, type LoopPidFile } from './io/pid-file.js';
import { outcomeOf } from './outcome.js';
import type { PassResult } from './pass-types.js';

/** What the loop needs to know of a pass. */
export type LoopPassResult = Pick<PassResult, 'result' | 'condition' | 'reason' | 'transient'>;

export type LoopLog = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;

export interface LoopOptions<R extends LoopPassResult = LoopPassResult> {
  /** run one pass; `trigger` says why: 'startup', 'interval', 'backoff', 'sighup', 'drift' */
  runPass(trigger: string): Promise<R>;
  intervalMs: number;
  jitterMs: number;
  backoff?: BackoffPolicy;
  log: LoopLog;
  /** called after every pass, before the wait is chosen (e.g. a drift check put off during the pass) */
  afterPass?(result: R | undefined): Promise<void> | void;
  /** a pass running longer than this makes health() say stuck; default 15 minutes */
  stuckAfterMs?: number;
  /** a wait overrunning its deadline by this much makes health() say stuck; default 60 s */
  overdueAfterMs?: number;
  random?: () => number;
  now?: () => number;
}

type Wake = { reason: string };

const MAX_TIMER_MS = 2 ** 31 - 1;

export class ReconcileLoop<R extends LoopPassResult = LoopPassResult> {
  readonly #opts: LoopOptions<R>;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  #stopping = false;
  #started = false;
  /** a trigger that arrived while a pass was running: run once more right after it */
  #pending: string | undefined;
  #wake: ((w: Wake) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #passStartedAt: number | undefined;
  #nextPassAt: number | undefined;
  #last: R | undefined;
  #passes = 0;
  /** the last pass failed transiently (or threw): the next wait is a backoff step */
  #lastWasTransient = false;
  #done: Promise<void> = Promise.resolve();

  constructor(opts: LoopOptions<R>) {
    this.#opts = opts;
    this.#backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
    this.#now = opts.now ?? Date.now;
  }

  /** starts the loop with a pass now; `done` resolves when it has stopped */
  start(trigger = 'startup'): Promise<void> {
    if (this.#started) throw new Error('reconcile loop already started');
    this.#started = true;
    this.#done = this.#run(trigger);
    return this.#done;
  }

  get done(): Promise<void> {
    return this.#done;
  }

  get passRunning(): boolean {
    return this.#passStartedAt !== undefined;
  }

  get lastResult(): R | undefined {
    return this.#last;
  }

  get passCount(): number {
    return this.#passes;
  }

  get transientFailures(): number {
    return this.#backoff.failures;
  }

  /** a pass now, or right after the one in hand; triggers that pile up meanwhile make one pass */
  trigger(reason: string): void {
    if (this.#stopping) return;
    if (this.#wake) {
      this.#wake({ reason });
    } else if (this.#pending === undefined) {
      this.#pending = reason;
      this.#opts.log('info', 'loop.queued', { trigger: reason, note: 'a pass is running; another follows it' });
    }
  }

  /** no new pass; resolves when the pass in hand (if any) has finished */
  stop(signal?: string): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#opts.log('info', 'loop.stopping', {
        signal,
        passRunning: this.passRunning,
        note: this.passRunning ? 'finishing the pass in hand, then exiting' : 'exiting',
      });
      this.#wake?.({ reason: 'stop' });
    }
    return this.#done;
  }

  health(): Health {
    const now = this.#now();
    const condition = this.#last?.condition;
    const base = { condition, passRunning: this.passRunning };
    const stuckAfter = this.#opts.stuckAfterMs ?? 15 * 60_000;
    const overdueAfter = this.#opts.overdueAfterMs ?? 60_000;
    if (!this.#started) return { ...base, alive: false, reason: 'loop not started' };
    if (this.#stopping) return { ...base, alive: false, reason: 'stopping' };
    if (this.#passStartedAt !== undefined && now - this.#passStartedAt > stuckAfter) {
      return { ...base, alive: false, reason: `pass running for ${Math.round((now - this.#passStartedAt) / 1000)} s` };
    }
    if (this.#nextPassAt !== undefined && now - this.#nextPassAt > overdueAfter) {
      return { ...base, alive: false, reason: `next pass overdue by ${Math.round((now - this.#nextPassAt) / 1000)} s` };
    }
    return { ...base, alive: true, reason: 'ok' };
  }

  async #run(firstTrigger: string): Promise<void> {
    let trigger = firstTrigger;
    while (!this.#stopping) {
      await this.#pass(trigger);
      if (this.#stopping) break;
      if (this.#pending !== undefined) {
        trigger = this.#pending;
        this.#pending = undefined;
        continue;
      }
      const wake = await this.#wait();
      trigger = wake.reason;
    }
    this.#opts.log('info', 'loop.stopped', { passes: this.#passes });
  }

  async #pass(trigger: string): Promise<void> {
    this.#passStartedAt = this.#now();
    this.#nextPassAt = undefined;
    let result: R | undefined;
    try {
      result = await this.#opts.runPass(trigger);
      this.#last = result;
    } catch (err) {
      // runPass sorts its own errors; one escaping it is a defect, retried like a transient failure
      this.#opts.log('error', 'loop.pass-error', { trigger, error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.#passStartedAt = undefined;
      this.#passes += 1;
    }
    try {
      await this.#opts.afterPass?.(result);
    } catch (err) {
      this.#opts.log('warn', 'loop.after-pass-error', { error: err instanceof Error ? err.message : String(err) });
    }
    if (result === undefined || outcomeOf(result).next === 'backoff') this.#lastWasTransient = true;
    else {
      this.#lastWasTransient = false;
      this.#backoff.reset();
    }
  }

  #wait(): Promise<Wake> {
    const { intervalMs, jitterMs, random } = this.#opts;
    let delayMs: number;
    let after: string;
    if (this.#lastWasTransient) {
      delayMs = this.#backoff.next();
      after = 'backoff';
    } else {
      delayMs = jitteredInterval(intervalMs, jitterMs, random);
      after = 'interval';
    }
    this.#nextPassAt = this.#now() + delayMs;
    this.#opts.log('info', 'loop.wait', {
      delayMs,
      next: after,
      ...(after === 'backoff' ? { transientFailures: this.#backoff.failures } : {}),
    });
    return new Promise<Wake>((resolve) => {
      const finish = (w: Wake): void => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wake = undefined;
        this.#nextPassAt = undefined;
        resolve(w);
      };
      this.#wake = finish;
      // setTimeout fires at once beyond 2^31-1 ms (24.8 days): cap it, the pass just comes earlier
      this.#timer = setTimeout(() => finish({ reason: after }), Math.min(delayMs, MAX_TIMER_MS));
    });
  }
}

/** the pid file's process when it runs on this host, or why not */
export async function runningLoop(stateDir: string): Promise<{ pid: LoopPidFile } | { none: string }> {
  const denied = await readFile(pidFilePath(stateDir)).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'EACCES');
  if (denied) return { none: `cannot read ${pidFilePath(stateDir)} (permission denied): run this as the reconciler's user or root` };
  const pid = await readPidFile(stateDir);
  if (!pid) return { none: `no reconcile loop runs on ${stateDir} (no ${pidFilePath(stateDir)})` };
  if (pid.hostname !== hostname()) return { none: `the reconcile loop on ${stateDir} runs on host ${pid.hostname}, not here` };
  if (matchProcess(pid) === 'gone') {
    return { none: `no reconcile loop runs on ${stateDir} (pid ${pid.pid} in ${pidFilePath(stateDir)} is gone, or another process has it now)` };
  }
  // a pid file without start time and boot id (an older version) cannot tell the loop from a stranger
  if (!identifiedForSignal(pid)) {
    return { none: `no reconcile loop identified on ${stateDir} (pid ${pid.pid} in ${pidFilePath(stateDir)} cannot be identified ` +
      `as the reconciler: its pid file records no start time and boot id; restart the reconciler)` };
  }
  // after a crash the pid may belong to some other program by now: the lock must name it too
  const holder = await readLockHolder(stateDir);
  if (!holder || holder.pid !== pid.pid || !isLive(holder)) {
    return { none: `no reconcile loop runs on ${stateDir} (pid ${pid.pid} does not hold the lock; stale ${pidFilePath(stateDir)})` };
  }
  return { pid };
}
