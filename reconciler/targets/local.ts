// The live file and Asterisk's CLI on this machine: the live file is read and replaced through the
// helpers in ../io (regular files only, atomic writes), and commands run through io/process.ts.
import { liveFileError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { runProcess, type ExecOptions } from '../io/process.js';
import { readRegularFile, resolveWritePath } from '../io/regular-file.js';
import { lstat, stat } from 'node:fs/promises';
import type { ExecResult, FileStat, Target } from '../target.js';

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

  async statFile(path: string, options: { noFollow?: boolean } = {}): Promise<FileStat | null> {
    try {
      const s = await (options.noFollow ? lstat : stat)(path, { bigint: true });
      return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, regular: s.isFile() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  readFile(path: string): Promise<Buffer | null> {
    return readFileOrNull(path);
  }

  writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
    return writeLiveFile(path, data, mode);
  }

  exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    return runProcess(argv, timeoutMs, this.opts);
  }

  /** The same with `input` on stdin (the realtime strategy's SQL, too long for an argument). */
  execWithInput(argv: string[], input: string, timeoutMs: number): Promise<ExecResult> {
    return runProcess(argv, timeoutMs, { ...this.opts, input });
  }

  async close(): Promise<void> {}
}
