// The live wizard file and the host secrets file are regular files, or the read says why not: a FIFO
// would block a read forever (with the lock held), a device may never end, a directory is a config
// error. Every read is bounded. A symlink is followed: writes go THROUGH it to its target, which is
// what an administrator who linked the file into a config-management folder expects.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** far above any real wizard file (10,000 endpoints is a few MiB) */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 40; // as Linux's ELOOP limit
const READ_CHUNK = 1024 * 1024;

export type FileProblem = 'not-regular' | 'too-large';

export class FileTypeError extends Error {
  constructor(readonly problem: FileProblem, readonly path: string, message: string) {
    super(message);
    this.name = 'FileTypeError';
  }
}

/** What kind of file a stat result is, in words for a message. */
export function fileKind(st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function notRegular(path: string, kind: string): FileTypeError {
  return new FileTypeError('not-regular', path, `${path} is ${kind}, not a regular file: refusing to read or replace it; ` +
    `put a regular file there (or remove it), or point the config at the right path`);
}

export function tooLarge(path: string, max: number): FileTypeError {
  return new FileTypeError('too-large', path, `${path} is larger than ${Math.round(max / 1024 / 1024)} MiB: refusing to read it; ` +
    `check that the config points at the right file`);
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * The bytes of `path` (through symlinks), or null when it does not exist. Anything but a regular file
 * is refused before it is opened; the open is non-blocking and the handle checked again, so a FIFO
 * swapped in meanwhile cannot block; at most `maxBytes` are read.
 */
export async function readRegularFile(path: string, maxBytes = MAX_FILE_BYTES): Promise<Buffer | null> {
  const st = await stat(path).catch(enoentNull);
  if (st === null) return null;
  if (!st.isFile()) throw notRegular(path, fileKind(st));
  if (st.size > maxBytes) throw tooLarge(path, maxBytes);
  const handle = await open(path, OPEN_FLAGS).catch(enoentNull);
  if (handle === null) return null;
  try {
    const fst = await handle.stat();
    if (!fst.isFile()) throw notRegular(path, fileKind(fst));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // read one byte past the cap: a file that grew beyond it since the stat is refused, not cut
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function enoentNull(err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw err;
}

export interface WritePath {
  /** the file actually replaced: `path` itself, or the end of its symlink chain */
  real: string;
  /** `path` is a symlink: the link stays, its target gets the new bytes */
  viaLink: boolean;
  /** the file being replaced, or null when there is none yet */
  existing: Stats | null;
}

/** Where a write of `path` must go (through symlinks); refuses a path whose file is not regular. */
export async function resolveWritePath(path: string): Promise<WritePath> {
  let p = path;
  let viaLink = false;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const st = await lstat(p).catch(enoentNull);
    if (st === null) {
      // no file yet (or a dangling link): create it where the chain ends
      return { real: viaLink ? join(await realpath(dirname(p)), basename(p)) : p, viaLink, existing: null };
    }
    if (!st.isSymbolicLink()) {
      if (!st.isFile()) throw notRegular(path === p ? path : `${path} (→ ${p})`, fileKind(st));
      return { real: viaLink ? await realpath(p) : p, viaLink, existing: st };
    }
    viaLink = true;
    // relative to the link's real directory, so a '..' in it means what the kernel makes of it
    p = resolve(await realpath(dirname(p)), await readlink(p));
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
}
