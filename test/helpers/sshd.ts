// A real OpenSSH sshd on 127.0.0.1 for tests: its own host key, config, authorized key and client
// key pair, all in a temp folder. Key auth only, exactly as the PBX host should be configured.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD_PATH = process.env.SSHD_PATH ?? '/usr/sbin/sshd';

export interface SshdOptions {
  /** SFTP requests sftp-server must refuse (its `-P` flag), e.g. ['posix-rename@openssh.com'] */
  sftpDeniedRequests?: string[];
}

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  /** the client's private key file, whose public half is the only authorized key */
  clientKeyPath: string;
  /** the host key's fingerprint as `ssh-keygen -lf` prints it: 'SHA256:…' */
  hostKeyFingerprint: string;
  /** fingerprint of another, never-used key: a wrong pin */
  otherFingerprint: string;
  /** stderr of sshd so far (it runs with -e) */
  log(): string;
  /** SIGKILL every per-connection sshd process (monitor and session), leaving the listener up */
  killSessions(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pjsip-gitops-test', '-f', path]);
  const line = execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' });
  const fp = line.split(' ')[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${line}`);
  return fp;
}

/** Every descendant of `pid`, children first (Linux /proc). */
function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // the command name is in parentheses and may hold spaces: the ppid is the 2nd field after ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch { /* the process ended meanwhile */ }
  }
  const out: number[] = [];
  for (let frontier = [pid]; frontier.length;) {
    const next = [...parent].filter(([, pp]) => frontier.includes(pp)).map(([p]) => p);
    out.push(...next);
    frontier = next;
  }
  return out;
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD_PATH)) {
    throw new Error(`OpenSSH sshd not found at ${SSHD_PATH}: install it (Debian: apt-get install openssh-server)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const clientKeyPath = join(dir, 'client_ed25519');
  const hostKeyFingerprint = keygen(hostKey);
  keygen(clientKeyPath);
  const otherFingerprint = keygen(join(dir, 'other_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyPath}.pub`));

  // sshd refuses to start as root without its privilege separation directory
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const denied = opts.sftpDeniedRequests?.length ? ` -P ${opts.sftpDeniedRequests.join(',')}` : '';
  const config = [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${hostKey}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    `PidFile ${join(dir, 'sshd.pid')}`,
    `Subsystem sftp internal-sftp${denied}`,
    'LogLevel VERBOSE',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, config);

  let log = '';
  const child: ChildProcess = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  let exited = false;
  child.once('exit', () => { exited = true; });

  // bounded wait: 10 s in 50 ms steps
  for (let i = 0; i < 200 && !exited; i++) {
    if (await portOpen(port)) break;
    await new Promise((r) => setTimeout(r, 50));
    if (i === 199) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s:\n${log}`);
    }
  }
  if (exited) throw new Error(`sshd exited at start:\n${log}`);

  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return {
    host: '127.0.0.1',
    port,
    user,
    dir,
    clientKeyPath,
    hostKeyFingerprint,
    otherFingerprint,
    log: () => log,
    killSessions() {
      const kids = child.pid ? descendantsOf(child.pid) : [];
      for (const pid of kids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      return kids.length;
    },
    async stop() {
      if (!exited && child.pid) {
        for (const pid of descendantsOf(child.pid)) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 20));
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
