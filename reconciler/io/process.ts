// Running a command on this machine: without a shell, with a small environment, in its own process
// group, so a timeout kills the command and everything it started; output bounded per stream.
import { spawn } from 'node:child_process';
import type { ExecResult } from '../target.js';

export interface ExecOptions {
  /** variables added to the child's environment (which otherwise holds only PATH, HOME and LANG) */
  env?: Record<string, string>;
  /** per stream; the rest is dropped and the output marked as cut; default 16 MiB */
  maxOutputBytes?: number;
  /** time between SIGTERM and SIGKILL once a command timed out; default 2000 ms */
  killGraceMs?: number;
  /** written to the command's stdin, which is then closed (otherwise stdin is empty) */
  input?: string;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 2000;
const OUTPUT_DRAIN_MS = 250;
const INHERITED_ENV = ['PATH', 'HOME', 'LANG'];

export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return { ...env, ...extra };
}

/** Collects a stream up to `max` bytes; later bytes are dropped. */
function collector(max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  return {
    add(chunk: Buffer) {
      if (size >= max) {
        cut = true;
        return;
      }
      const part = chunk.length > max - size ? chunk.subarray(0, max - size) : chunk;
      if (part.length < chunk.length) cut = true;
      chunks.push(part);
      size += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8') + (cut ? '\n[output cut]\n' : ''),
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Runs argv without a shell; on timeout SIGTERM then SIGKILL go to the whole process group. */
export function runProcess(argv: string[], timeoutMs: number, opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('exec: empty argv'));
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const grace = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  return new Promise((resolve) => {
    const stdout = collector(max);
    const stderr = collector(max);
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const child = spawn(file, args, {
      env: childEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), grace);
      graceTimer.unref();
    }, timeoutMs);
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      // nothing the command started may outlive it
      if (timedOut) killGroup(child.pid, 'SIGKILL');
      resolve(result);
    };
    // stdin is closed at once (an empty input) unless given; a command that exits without reading
    // all of it gives EPIPE, and its exit code tells what happened
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.stdout.on('data', (d: Buffer) => stdout.add(d));
    child.stderr.on('data', (d: Buffer) => stderr.add(d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      // the command could not be started (ENOENT, EACCES): reported like a shell would, exit 127
      finish({ stdout: '', stderr: `cannot run ${file}: ${err.code ?? err.message}`, code: 127, timedOut: false });
    });
    child.on('close', (code) => {
      finish({ stdout: stdout.text(), stderr: stderr.text(), code: timedOut ? null : code, timedOut });
    });
    // something the command left running in the background may hold its output open: once the
    // command itself has exited, wait a moment for the output, then stop waiting
    child.on('exit', (code) => {
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ stdout: stdout.text(), stderr: stderr.text(), code: timedOut ? null : code, timedOut });
      }, OUTPUT_DRAIN_MS);
      drain.unref();
    });
  });
}
