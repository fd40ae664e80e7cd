// Builds the Target a config names: this machine, a Docker container on it, or a PBX over SSH.
// Nothing is opened here: the pass's connect step does it, so a refused or unreachable target is
// recorded by the pass like any other failure.
import type { ReconcilerConfig } from '../config.js';
import type { ExecResult, FileStat, Target } from '../target.js';
import { DockerTarget } from './docker.js';
import { LocalTarget } from './local.js';

/** How logs and messages name the configured target (never a credential). */
export function targetLabel(config: ReconcilerConfig): string {
  const t = config.target;
  if (t.kind === 'docker') return `docker:${t.container ?? '?'}`;
  if (t.kind === 'ssh') return `ssh:${t.ssh ? `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}` : '?'}`;
  return 'local';
}

/** A target opened by connect(); close() lets it go, and the next connect() opens a new one. */
export class ConnectingTarget implements Target {
  #open: Target | undefined;

  constructor(readonly describe: string, private readonly opener: () => Promise<Target>) {}

  async connect(): Promise<void> {
    this.#open ??= await this.opener();
  }

  private opened(): Target {
    if (!this.#open) throw new Error(`${this.describe}: not connected (a pass connects first)`);
    return this.#open;
  }

  async readFile(path: string): Promise<Buffer | null> {
    return this.opened().readFile(path);
  }

  /** the opened target's stat, or null (read the file) where it has none */
  async statFile(path: string, options?: { noFollow?: boolean }): Promise<FileStat | null> {
    const t = this.opened();
    return t.statFile ? t.statFile(path, options) : null;
  }

  async writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
    return this.opened().writeFileAtomic(path, data, mode);
  }

  async exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    return this.opened().exec(argv, timeoutMs);
  }

  async close(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    await open?.close();
  }
}

export function createTarget(config: ReconcilerConfig): Target {
  const t = config.target;
  switch (t.kind) {
    case 'local':
      return new LocalTarget();
    case 'docker':
      return new ConnectingTarget(`docker:${t.container ?? '?'}`, async () => {
        if (!t.container) throw new Error('target.kind is docker but target.container is not set');
        return new DockerTarget({ container: t.container });
      });
    case 'ssh': {
      const ssh = t.ssh;
      return new ConnectingTarget(ssh ? `ssh://${ssh.user}@${ssh.host}:${ssh.port}` : 'ssh://?', async () => {
        if (!ssh) throw new Error('target.kind is ssh but host, user, privateKey or hostKeyFingerprint is missing');
        // loaded only here: a local reconciler never pays for ssh2
        const { connectSsh } = await import('./ssh.js');
        return connectSsh({ host: ssh.host, port: ssh.port, user: ssh.user, privateKeyPath: ssh.privateKey,
          hostKeyFingerprint: ssh.hostKeyFingerprint });
      });
    }
  }
}
