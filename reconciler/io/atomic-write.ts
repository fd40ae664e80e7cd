// Atomic replacement of a file (as fluxcd/pkg AtomicWriteFile): a temp file in the same directory,
// fsync, chmod, rename, fsync the directory; on failure the old file stays and the temp file goes.
import { randomBytes } from 'node:crypto';
import { chmod, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pidExists } from './process-identity.js';

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface AtomicWriteOptions {
  /**
   * fsync the file and its directory (default). Without it the replacement is still atomic for
   * every reader and against a crash of this process, but a power loss may leave the previous file.
   */
  durable?: boolean;
}

/** Replaces `path` atomically; on any failure the old file stays as it was and the temp file is removed. */
export async function writeFileAtomic(path: string, data: Buffer, mode: number, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? true;
  const dir = dirname(path);
  // the writer's pid in the name lets a later write tell a dead writer's leftover from a live one's
  const tmp = join(dir, `.${basename(path)}.pjsip-gitops-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', 0o600);
    await handle.writeFile(data);
    if (durable) await handle.sync();
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
  if (durable) await fsyncDirectory(dir);
  await removeDeadWritersTemps(dir);
}

/** Temp files of writers killed before their rename (kill -9, power loss): harmless, but they pile up. */
async function removeDeadWritersTemps(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^\..+\.pjsip-gitops-(\d+)-[0-9a-f]+\.tmp$/.exec(entry)?.[1]);
    if (!pid || pid === process.pid || pidExists(pid)) continue;
    await rm(join(dir, entry), { force: true }).catch(() => undefined);
  }
}

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
