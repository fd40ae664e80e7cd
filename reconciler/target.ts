// Where the live pjsip_wizard.conf lives and where Asterisk's CLI runs: this machine, a Docker
// container on it, or a PBX reached over SSH. Every step of a pass goes through this interface.

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when killed */
  code: number | null;
  timedOut: boolean;
}

/** What identifies one version of a file (see steps/live-fingerprint.ts). */
export interface FileStat { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint; regular: boolean }

export interface Target {
  /** a short description for logs, never containing credentials */
  readonly describe: string;
  /** open the connection (the pass's first step); absent where there is nothing to open */
  connect?(): Promise<void>;
  /** the live file's bytes, or null when it does not exist */
  readFile(path: string): Promise<Buffer | null>;
  /** the file's identity and times, or null when it does not exist; absent where a stat costs as much as a read */
  statFile?(path: string, options?: { noFollow?: boolean }): Promise<FileStat | null>;
  /**
   * Replace `path` atomically: temp file in the same directory, fsync, chmod `mode`, rename over
   * `path`, fsync the directory. On any failure the old file is untouched and the temp file removed.
   */
  writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void>;
  /** run argv (no shell) with a timeout; the child is killed when it expires */
  exec(argv: string[], timeoutMs: number): Promise<ExecResult>;
  close(): Promise<void>;
}
