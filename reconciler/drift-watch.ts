// Notices a hand edit of the live pjsip_wizard.conf between passes and asks for a pass (trigger
// 'drift'), which logs the redacted diff and reverts or reports it. Watches the file's DIRECTORY
// at depth 0: a watch on the file itself loses the first event when the file is replaced or does
// not exist yet. Our own writes are told apart by content: a file whose sha256 is the one the
// reconciler expects is no drift, whoever touched it. Local and docker targets only: over SSH the
// pass compares the file every time.
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LoopLog } from './loop.js';
import { sha256 } from './state.js';
import { readRegularFile } from './io/regular-file.js';

export interface DriftEvent {
  file: string;
  /** sha256 hex of the file now, or null when it is gone */
  sha256: string | null;
  expected: string;
}

export interface DriftWatchOptions {
  liveFile: string;
  /** quiet time before a burst of events is checked; default 500 ms */
  debounceMs?: number;
  /** sha256 hex of the live file as the reconciler last left it; undefined: nothing to compare yet */
  expectedSha256(): Promise<string | undefined> | string | undefined;
  /** true while a pass runs: the check is put off until recheck() after the pass */
  busy?(): boolean;
  onDrift(event: DriftEvent): void;
  log: LoopLog;
}

export interface DriftWatch {
  /** hand edits seen since start (one per distinct drifted content) */
  readonly events: number;
  /** checks finished so far (a check compares the file with the expected hash) */
  readonly checks: number;
  /** check now if a check was put off while a pass ran */
  recheck(): void;
  close(): Promise<void>;
}

/** `.pjsip_wizard.conf.pjsip-gitops-<pid>-<random>.tmp`: the atomic write's temp file, never drift */
export function isOwnTempFile(name: string, liveName: string): boolean {
  return name.startsWith(`.${liveName}.pjsip-gitops-`) && name.endsWith('.tmp');
}

async function fileSha256(path: string): Promise<string | null> {
  // a FIFO or device at the live path is refused, not read: a read would block this chain for good
  const bytes = await readRegularFile(path);
  return bytes === null ? null : sha256(bytes);
}

export async function startDriftWatch(opts: DriftWatchOptions): Promise<DriftWatch> {
  const file = resolve(opts.liveFile);
  const dir = dirname(file);
  const name = basename(file);
  const debounceMs = opts.debounceMs ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let deferred = false;
  let closed = false;
  let checking: Promise<void> = Promise.resolve();
  /** the drifted content already reported: the same bytes again are not a new event */
  let lastTriggered: string | null | undefined;
  let events = 0;
  let checks = 0;

  const check = async (): Promise<void> => {
    if (closed) return;
    if (opts.busy?.()) {
      deferred = true;
      return;
    }
    const expected = await opts.expectedSha256();
    if (expected === undefined) return;
    const sha256 = await fileSha256(file);
    if (sha256 === expected) {
      lastTriggered = undefined;
      return;
    }
    if (sha256 === lastTriggered) return;
    lastTriggered = sha256;
    events += 1;
    opts.log('warn', 'drift.noticed', { file, sha256, expected, note: 'the live file was changed outside pjsip-gitops; a pass follows' });
    opts.onDrift({ file, sha256, expected });
  };
  const runCheck = (): void => {
    // one check at a time, in order: two overlapping reads could report the same edit twice
    checking = checking.then(check).catch((err: unknown) => {
      opts.log('error', 'drift.check-error', { file, error: err instanceof Error ? err.message : String(err) });
    }).finally(() => { checks += 1; });
  };
  const schedule = (event: string): void => {
    if (closed) return;
    opts.log('info', 'drift.event', { file, change: event });
    clearTimeout(timer);
    timer = setTimeout(runCheck, debounceMs);
  };

  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    persistent: true,
    // everything in the folder but the live file itself (and the folder) is ignored, our temp files too
    ignored: (path: string) => {
      const p = resolve(path);
      if (p === dir) return false;
      const n = basename(p);
      return n !== name || isOwnTempFile(n, name);
    },
  });
  watcher.on('all', (event, path) => {
    if (resolve(path) === file) schedule(event);
  });
  watcher.on('error', (err: unknown) => {
    opts.log('error', 'drift.watch-error', { dir, error: err instanceof Error ? err.message : String(err) });
  });
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  opts.log('info', 'drift.watching', { file });

  return {
    get events() {
      return events;
    },
    get checks() {
      return checks;
    },
    recheck() {
      if (deferred) {
        deferred = false;
        runCheck();
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await watcher.close();
      await checking;
    },
  };
}
