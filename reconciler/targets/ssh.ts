// The PBX reached over SSH (ssh2): the wizard file over SFTP, Asterisk's CLI over an exec channel.
// The host key is pinned (never trust-on-first-use) and only public-key auth is ever offered.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Client, type ClientChannel, type SFTPWrapper, type Stats } from 'ssh2';
import { classifySshError, liveFileError } from '../errors.js';
import type { ExecResult, Target } from '../target.js';
import { fileKind, MAX_FILE_BYTES, notRegular, tooLarge } from '../io/regular-file.js';

export interface SshTargetConfig {
  host: string;
  /** default 22 */
  port?: number;
  user: string;
  privateKeyPath: string;
  /** the host key as `ssh-keygen -lf` prints it: 'SHA256:<base64, no padding>' */
  hostKeyFingerprint?: string;
  /** TCP connect + handshake + auth; default 15000 */
  connectTimeoutMs?: number;
  /** default 15000; 0 turns keepalives off */
  keepaliveIntervalMs?: number;
  /** default 3 */
  keepaliveCountMax?: number;
}

export type SshErrorKind =
  | 'missing-pin' | 'bad-pin' | 'host-key-mismatch' | 'auth-refused' | 'private-key'
  | 'remote-refused' | 'connect-refused' | 'timeout' | 'connection-lost' | 'remote-failed';

export class SshError extends Error {
  constructor(readonly kind: SshErrorKind, message: string) {
    super(message);
    this.name = 'SshError';
  }
}

/** OpenSSH's fingerprint of a host key blob: 'SHA256:' + unpadded base64 of its sha256. */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** One argv element for a POSIX shell: single quotes, with each ' written as '\''. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a command argument may not contain a NUL byte');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;
const SFTP_OP_UNSUPPORTED = 8;
const MAX_OUTPUT = 8 * 1024 * 1024;
const WRITE_CHUNK = 256 * 1024;
const WRITE_WINDOW = 8;
const READ_CHUNK = 256 * 1024;
const MAX_LINK_HOPS = 40;

function sftpCall<T>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(err) : resolve(value as T)));
    } catch (err) {
      reject(err); // ssh2 throws synchronously for an extension the server does not offer
    }
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class SshTarget implements Target {
  readonly describe: string;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private closed = false;
  /** calls in flight: a dropped connection fails them all instead of leaving them hanging */
  private readonly pending = new Set<(err: Error) => void>();

  constructor(private readonly client: Client, cfg: SshTargetConfig) {
    this.describe = `ssh://${cfg.user}@${cfg.host}:${cfg.port ?? 22}`;
    client.on('close', () => {
      this.closed = true;
      const lost = new SshError('connection-lost', `${this.describe}: connection closed`);
      for (const fail of [...this.pending]) fail(lost);
    });
  }

  private call<T>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(new SshError('connection-lost', `${this.describe}: connection closed`));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => { this.pending.delete(fail); reject(err); };
      this.pending.add(fail);
      sftpCall<T>(fn).then((v) => { this.pending.delete(fail); resolve(v); }, fail);
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      const session = this.call<SFTPWrapper>((cb) => this.client.sftp(cb));
      this.sftpSession = session;
      // a closed SFTP channel is opened again by the next call; a failed open is not cached
      session.then((sftp) => sftp.once('close', () => { if (this.sftpSession === session) this.sftpSession = undefined; }),
        () => { if (this.sftpSession === session) this.sftpSession = undefined; });
    }
    return this.sftpSession;
  }

  /** an SFTP call whose failure is reported as `what` failing; null for "no such file" when asked */
  private op<T>(what: string, fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T>;
  private op<T>(what: string, fn: (cb: (err: Error | undefined | null, value?: T) => void) => void, missing: null): Promise<T | null>;
  private op<T>(what: string, fn: (cb: (err: Error | undefined | null, value?: T) => void) => void, missing?: null): Promise<T | null> {
    return this.call<T>(fn).catch((err: unknown) => {
      if (missing === null && (err as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return null;
      throw this.wrap(err, what);
    });
  }

  /**
   * The live file through symlinks; anything but a regular file is refused (stalled) before it is
   * opened, and every read is bounded. sftp-server opens without O_NONBLOCK, so the type check
   * before the open is what keeps a FIFO from blocking the session; the handle is checked again.
   */
  async readFile(path: string): Promise<Buffer | null> {
    const sftp = await this.sftp();
    const what = `read ${path}`;
    const st = await this.op<Stats>(what, (cb) => sftp.stat(path, cb), null);
    if (st === null) return null;
    if (!st.isFile()) throw liveFileError(notRegular(path, fileKind(st)));
    if ((st.size ?? 0) > MAX_FILE_BYTES) throw liveFileError(tooLarge(path, MAX_FILE_BYTES));
    const handle = await this.op<Buffer>(what, (cb) => sftp.open(path, 'r', cb), null);
    if (handle === null) return null;
    try {
      const fst = await this.op<Stats>(what, (cb) => sftp.fstat(handle, cb));
      if (!fst.isFile()) throw liveFileError(notRegular(path, fileKind(fst)));
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        // one byte past the cap at most: a file grown beyond it is refused, never cut
        const buf = Buffer.alloc(Math.min(READ_CHUNK, MAX_FILE_BYTES + 1 - total));
        const n = await this.op<number>(what, (cb) => sftp.read(handle, buf, 0, buf.length, total, cb));
        if (!n) break;
        chunks.push(buf.subarray(0, n));
        total += n;
        if (total > MAX_FILE_BYTES) throw liveFileError(tooLarge(path, MAX_FILE_BYTES));
      }
      return Buffer.concat(chunks, total);
    } finally {
      await this.call((cb) => sftp.close(handle, cb)).catch(() => undefined);
    }
  }

  /** Where a write of `path` goes: through symlinks to the file at the end of the chain (see regular-file.ts). */
  private async writePath(sftp: SFTPWrapper, path: string): Promise<{ real: string; viaLink: boolean; existing: Stats | null }> {
    const what = `write ${path}`;
    let p = path;
    let viaLink = false;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const st = await this.op<Stats>(what, (cb) => sftp.lstat(p, cb), null);
      const dir = posix.dirname(p);
      if (st === null) {
        const real = viaLink ? posix.join(await this.op<string>(what, (cb) => sftp.realpath(dir, cb)), posix.basename(p)) : p;
        return { real, viaLink, existing: null };
      }
      if (!st.isSymbolicLink()) {
        if (!st.isFile()) throw liveFileError(notRegular(p === path ? path : `${path} (→ ${p})`, fileKind(st)));
        return { real: viaLink ? await this.op<string>(what, (cb) => sftp.realpath(p, cb)) : p, viaLink, existing: st };
      }
      viaLink = true;
      const link = await this.op<string>(what, (cb) => sftp.readlink(p, cb));
      // relative to the link's real directory, so a '..' in it means what the kernel makes of it
      p = link.startsWith('/') ? link : posix.join(await this.op<string>(what, (cb) => sftp.realpath(dir, cb)), link);
    }
    throw new SshError('remote-refused', `${this.describe}: ${what}: too many levels of symbolic links`);
  }

  /**
   * Atomic replace (temp file beside the file, posix-rename). A symlink at `path` stays a link and
   * its target gets the new bytes, keeping the target's mode (and owner, where the SSH user may set it).
   */
  async writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
    const sftp = await this.sftp();
    const where = await this.writePath(sftp, path);
    const keep = where.viaLink ? where.existing : null;
    const dir = posix.dirname(where.real);
    const name = posix.basename(where.real);
    await this.removeStaleTemps(sftp, dir, name);
    const tmp = posix.join(dir, `.${name}.pjsip-gitops-${randomBytes(6).toString('hex')}.tmp`);
    let handle: Buffer | undefined;
    try {
      handle = await this.call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
      await this.upload(sftp, handle, data);
      if (keep && keep.uid !== undefined && keep.gid !== undefined) {
        // only root may give a file away: an unprivileged SSH user's file stays its own, as for a plain live file
        await this.call((cb) => sftp.fchown(handle!, keep.uid, keep.gid, cb)).catch(() => undefined);
      }
      await this.call((cb) => sftp.fchmod(handle!, keep ? keep.mode & 0o7777 : mode, cb));
      await this.fsync(sftp, handle);
      const h = handle;
      handle = undefined;
      await this.call((cb) => sftp.close(h, cb));
      await this.renameOver(sftp, tmp, where.real);
    } catch (err) {
      if (handle) await this.call((cb) => sftp.close(handle!, cb)).catch(() => undefined);
      await this.call((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw this.wrap(err, `write ${path}`);
    }
    // make the rename itself durable; best effort, the new file is already live
    await this.exec(['sync', '--', dir], 10_000).catch(() => undefined);
  }

  private async upload(sftp: SFTPWrapper, handle: Buffer, data: Buffer): Promise<void> {
    // a few writes in flight: one round trip per chunk would make large files slow
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < data.length && !failed) {
        const offset = next;
        const len = Math.min(WRITE_CHUNK, data.length - offset);
        next += len;
        await this.call((cb) => sftp.write(handle, data, offset, len, offset, cb)).catch((err: unknown) => {
          failed = true;
          throw err;
        });
      }
    };
    await Promise.all(Array.from({ length: WRITE_WINDOW }, worker));
  }

  private async fsync(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
    try {
      await this.call((cb) => sftp.ext_openssh_fsync(handle, cb));
    } catch (err) {
      if (/does not support/.test(errorText(err))) return; // not offered: the close still flushes to the server
      throw err;
    }
  }

  private async renameOver(sftp: SFTPWrapper, tmp: string, path: string): Promise<void> {
    try {
      await this.call((cb) => sftp.ext_openssh_rename(tmp, path, cb));
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const unsupported = /does not support/.test(errorText(err)) || code === SFTP_OP_UNSUPPORTED || code === SFTP_PERMISSION_DENIED;
      if (!unsupported) throw err;
    }
    // plain SFTP rename cannot replace a file; `mv -f` in the same directory is one rename(2)
    const r = await this.exec(['mv', '-f', '--', tmp, path], 30_000);
    if (r.code !== 0) {
      throw new SshError('remote-refused', `mv onto ${path} failed (exit ${r.code ?? 'killed'}): ${r.stderr.trim().slice(0, 500)}`);
    }
  }

  private async removeStaleTemps(sftp: SFTPWrapper, dir: string, name: string): Promise<void> {
    // a connection dropped mid-upload leaves its temp behind; one reconciler per target, so it is ours
    const prefix = `.${name}.pjsip-gitops-`;
    let entries: { filename: string }[];
    try {
      entries = await this.call((cb) => sftp.readdir(dir, cb));
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.filename.startsWith(prefix) && e.filename.endsWith('.tmp')) {
        await this.call((cb) => sftp.unlink(posix.join(dir, e.filename), cb)).catch(() => undefined);
      }
    }
  }

  exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    if (argv.length === 0) return Promise.reject(new Error('exec: empty argv'));
    if (this.closed) return Promise.reject(new SshError('connection-lost', `${this.describe}: connection closed`));
    // sshd makes the session's shell a process group leader; it prints its pid, then becomes the
    // command, so a timeout can kill the whole group even where sshd refuses signal requests (root)
    const command = `echo $$; exec ${argv.map(shellQuote).join(' ')}`;
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(command, (err, channel: ClientChannel) => {
        if (err) return reject(this.wrap(err, `exec ${argv[0]}`));
        channel.end(); // no stdin: a command that reads it sees EOF instead of waiting for the timeout
        let pidLine = '';
        let pid: number | undefined;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let outLen = 0;
        let errLen = 0;
        let code: number | null = null;
        let timedOut = false;
        let done = false;
        let grace: NodeJS.Timeout | undefined;
        // the connection dropping mid-command is a failure to report, not an exit without a code
        const lost = (err: Error): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          clearTimeout(grace);
          reject(this.wrap(err, `exec ${argv[0]}`));
        };
        this.pending.add(lost);
        const finish = (): void => {
          this.pending.delete(lost);
          if (done) return;
          done = true;
          clearTimeout(timer);
          clearTimeout(grace);
          resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code: timedOut ? null : code, timedOut });
        };
        const timer = setTimeout(() => {
          timedOut = true;
          try { channel.signal('KILL'); } catch { /* channel already gone */ }
          if (pid !== undefined) this.killGroup(pid);
          grace = setTimeout(() => { channel.close(); finish(); }, 3000); // the group never died
        }, timeoutMs);
        channel.on('data', (d: Buffer) => {
          if (pid === undefined) {
            pidLine += d.toString('latin1');
            const nl = pidLine.indexOf('\n');
            if (nl < 0) return;
            pid = Number(pidLine.slice(0, nl));
            d = Buffer.from(pidLine.slice(nl + 1), 'latin1');
            if (timedOut) this.killGroup(pid);
          }
          if (outLen < MAX_OUTPUT) { out.push(d); outLen += d.length; }
        });
        channel.stderr.on('data', (d: Buffer) => { if (errLen < MAX_OUTPUT) { errOut.push(d); errLen += d.length; } });
        channel.on('exit', (c: number | null) => { code = typeof c === 'number' ? c : null; });
        channel.on('close', finish);
      });
    });
  }

  private killGroup(pid: number): void {
    if (!Number.isInteger(pid) || pid <= 1) return;
    this.client.exec(`kill -KILL -- -${pid} 2>/dev/null || kill -KILL ${pid}`, (err, ch) => {
      if (!err) ch.resume().on('close', () => undefined);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.client.once('close', () => { clearTimeout(t); resolve(); });
      this.client.end();
    });
    this.closed = true;
  }

  private wrap(err: unknown, what: string): Error {
    if (err instanceof SshError) {
      return err.kind === 'connection-lost' ? new SshError(err.kind, `${this.describe}: ${what}: connection lost`) : err;
    }
    const { transient } = classifySshError(err);
    const kind: SshErrorKind = this.closed ? 'connection-lost' : transient ? 'remote-failed' : 'remote-refused';
    const e = new SshError(kind, `${this.describe}: ${what}: ${errorText(err)}`);
    (e as { code?: unknown }).code = (err as { code?: unknown } | undefined)?.code;
    return e;
  }
}

const PIN = /^SHA256:[A-Za-z0-9+/]{43}$/;

export async function connectSsh(cfg: SshTargetConfig): Promise<SshTarget> {
  const where = `${cfg.user}@${cfg.host}:${cfg.port ?? 22}`;
  const pin = cfg.hostKeyFingerprint?.trim();
  if (!pin) {
    throw new SshError('missing-pin', `no host key fingerprint pinned for ${where}: set hostKeyFingerprint to the output of 'ssh-keygen -lf' on the host's key (never trusted on first use)`);
  }
  if (!PIN.test(pin)) {
    throw new SshError('bad-pin', `host key fingerprint for ${where} must look like 'SHA256:' + 43 base64 characters, as 'ssh-keygen -lf' prints it`);
  }
  let privateKey: Buffer;
  try {
    privateKey = await readFile(cfg.privateKeyPath);
  } catch (err) {
    throw new SshError('private-key', `cannot read the SSH private key ${cfg.privateKeyPath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }

  const client = new Client();
  let seen: string | undefined;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    // stays attached for the client's life: ssh2 may emit more errors after the first (or after
    // ready, when the connection drops); calls in flight see those as failures instead
    const onError = (err: Error & { level?: string }): void => {
      if (settled) return;
      settled = true;
      client.removeListener('ready', onReady);
      client.end();
      if (seen !== undefined && seen !== pin) {
        reject(new SshError('host-key-mismatch', `host key of ${where} is ${seen} but ${pin} is pinned: refusing to connect`));
      } else if (err.level === 'client-authentication') {
        reject(new SshError('auth-refused', `${where} refused the public key ${cfg.privateKeyPath}`));
      } else if (err.level === 'client-timeout') {
        reject(new SshError('timeout', `${where}: ${err.message}`));
      } else if ((err as { code?: unknown }).code === 'ECONNREFUSED') {
        reject(new SshError('connect-refused', `${where}: connection refused`));
      } else if (/Cannot parse privateKey|Encrypted private OpenSSH key/i.test(err.message)) {
        reject(new SshError('private-key', `cannot use the SSH private key ${cfg.privateKeyPath}: ${err.message}`));
      } else {
        reject(new SshError('connection-lost', `${where}: ${err.message}`));
      }
    };
    const onReady = (): void => {
      settled = true;
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
    try {
      client.connect({
        host: cfg.host,
        port: cfg.port ?? 22,
        username: cfg.user,
        privateKey,
        hostVerifier: (key: Buffer) => {
          seen = fingerprintOf(key);
          return seen === pin;
        },
        authHandler: ['publickey'], // never password or keyboard-interactive
        tryKeyboard: false,
        readyTimeout: cfg.connectTimeoutMs ?? 15_000,
        keepaliveInterval: cfg.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: cfg.keepaliveCountMax ?? 3,
      });
    } catch (err) {
      // ssh2 parses the key synchronously
      settled = true;
      reject(new SshError('private-key', `cannot use the SSH private key ${cfg.privateKeyPath}: ${errorText(err)}`));
    }
  });
  return new SshTarget(client, cfg);
}
