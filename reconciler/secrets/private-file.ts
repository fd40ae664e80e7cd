// Files only root (or the reconciler's user) may read: the host secrets file and the age identity.
// Reading refuses a file others can read; writing is atomic and never leaves a readable copy.
import { stat } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic-write.js';
import { FileTypeError, fileKind, readRegularFile, type FileProblem } from '../io/regular-file.js';

/** a secrets file or age identity is a few KiB; this only keeps a wrong path from filling memory */
const MAX_PRIVATE_FILE_BYTES = 16 * 1024 * 1024;

export class PrivateFileError extends Error {
  /** `problem`: the path is no regular file, or is too large to be one of ours */
  constructor(message: string, readonly missing = false, readonly problem?: FileProblem) {
    super(message);
    this.name = 'PrivateFileError';
  }
}

function refuseOpenMode(path: string, mode: number): void {
  if (mode & 0o077) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new PrivateFileError(`${path} is readable by group or others (mode ${octal}); refusing to use it: run chmod 600 ${path}`);
  }
}

function statError(path: string, err: unknown): PrivateFileError {
  if (err instanceof PrivateFileError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new PrivateFileError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? 'error'}`, code === 'ENOENT');
}

/**
 * The file's text, or an error when it is missing, not a regular file (a FIFO or device would block or
 * never end: refused before it is opened, reads bounded) or group/world can read it (`chmod 600` fixes that).
 */
export async function readPrivateFile(path: string): Promise<string> {
  let mode: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new PrivateFileError(`${path} is ${fileKind(st)}, not a regular file: refusing to read it`, false, 'not-regular');
    mode = st.mode;
  } catch (err) {
    throw statError(path, err);
  }
  refuseOpenMode(path, mode);
  let bytes: Buffer | null;
  try {
    bytes = await readRegularFile(path, MAX_PRIVATE_FILE_BYTES);
  } catch (err) {
    if (err instanceof FileTypeError) throw new PrivateFileError(err.message, false, err.problem);
    throw new PrivateFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (bytes === null) throw new PrivateFileError(`cannot read ${path}: no such file`, true);
  return bytes.toString('utf8');
}

/** Replace `path` with mode 0600 atomically (the temp file is 0600 from its creation). */
export async function writePrivateFileAtomic(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, Buffer.from(text, 'utf8'), 0o600);
  } catch (err) {
    throw new PrivateFileError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
