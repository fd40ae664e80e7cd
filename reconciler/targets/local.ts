// The live file and Asterisk's CLI on this machine. Writes are atomic (temp file in the same
// directory, fsync, chmod, rename, fsync the directory); commands run without a shell, in their own
// process group, so a timeout kills the command and everything it started.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { liveFileError } from '../errors.js';
import type { ExecResult, Target } from '../target.js';
import { pidExists } from '../process-identity.js';
import { readRegularFile, resolveWritePath } from './regular-file.js';

export interface ExecOptions {
  /** variables added to the child's environment (which otherwise holds only PATH, HOME and LANG) */
  env?: Record<string, string>;
  /** per stream; the rest is dropped and the output marked as cut; default 16 MiB */
  maxOutputBytes?: number;
  /** time between SIGTERM and SIGKILL once a command timed out; default 2000 ms */
  killGraceMs?: number;
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
      stdio: ['ignore', 'pipe', 'pipe'],
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

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically; on any failure the old file stays as it was and the temp file is removed. */
export async function writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
  const dir = dirname(path);
  // the writer's pid in the name lets a later write tell a dead writer's leftover from a live one's
  const tmp = join(dir, `.${basename(path)}.pjsip-gitops-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', 0o600);
    await handle.writeFile(data);
    await handle.sync();
    await keepOwner(handle, path);
    await handle.close();
    handle = undefined;
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(dir);
  await removeDeadWritersTemps(dir);
}

/** Temp files of writers killed before their rename (kill -9, power loss): harmless, but they pile up. */
async function removeDeadWritersTemps(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^\..+\.pjsip-gitops-(\d+)-[0-9a-f]+\.tmp$/.exec(entry)?.[1]);
    if (!pid || pid === process.pid || pidAlive(pid)) continue;
    await rm(join(dir, entry), { force: true }).catch(() => undefined);
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export const pidAlive = pidExists;

/** As root, give the new file the old one's owner and group (Asterisk reads it through its group). */
async function keepOwner(handle: FileHandle, path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  try {
    const old = await stat(path);
    await handle.chown(old.uid, old.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The live file's bytes, or null when missing; not a regular file (FIFO, device, directory) → a stalled PassError. */
export async function readFileOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readRegularFile(path);
  } catch (err) {
    throw liveFileError(err);
  }
}

/**
 * Replaces the live file atomically. A symlink there stays a link and its target gets the new bytes
 * (temp file beside the target, the target's owner and mode kept); anything but a regular file is refused.
 */
export async function writeLiveFile(path: string, data: Buffer, mode: number): Promise<void> {
  let where;
  try {
    where = await resolveWritePath(path);
  } catch (err) {
    throw liveFileError(err);
  }
  const keepMode = where.viaLink && where.existing ? where.existing.mode & 0o7777 : mode;
  await writeFileAtomic(where.real, data, keepMode);
}

export class LocalTarget implements Target {
  readonly describe: string = 'local';

  constructor(private readonly opts: ExecOptions = {}) {}

  readFile(path: string): Promise<Buffer | null> {
    return readFileOrNull(path);
  }

  writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
    return writeLiveFile(path, data, mode);
  }

  exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    return runProcess(argv, timeoutMs, this.opts);
  }

  async close(): Promise<void> {}
}
