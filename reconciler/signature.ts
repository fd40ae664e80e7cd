// Is this commit signed by someone we trust? SSH signatures against an allowed-signers file,
// OpenPGP signatures against a GnuPG home. Git's exit code alone says too little (and without an
// allowed-signers file an SSH-signed commit reads as unsigned), so the verdict comes from the
// %G? letter checked against the commit object itself.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';

export interface SignatureConfig {
  /** `gpg.ssh.allowedSignersFile`: `<principal> <key type> <key>` lines (see ssh-keygen ALLOWED SIGNERS) */
  allowedSignersFile?: string;
  /** GNUPGHOME whose keyring (with owner trust set) holds the trusted OpenPGP keys */
  gpgHome?: string;
  /** the gpg executable; default 'gpg' */
  gpgProgram?: string;
  /** default 30000 */
  timeoutMs?: number;
}

export type SignatureVerdict =
  | { ok: true; signer: string; key: string }
  | { ok: false; reason: 'unsigned' | 'bad-signature' | 'untrusted-signer'; signer?: string; key?: string; detail: string };

interface GitRun { stdout: string; stderr: string; code: number }

function git(repoDir: string, args: string[], cfg: SignatureConfig): Promise<GitRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/nonexistent',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    // no global or system config: only what we set here decides who is trusted
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
  if (cfg.gpgHome) env.GNUPGHOME = resolvePath(cfg.gpgHome);
  const config = ['-c', 'gpg.ssh.program=ssh-keygen', '-c', `gpg.program=${cfg.gpgProgram ?? 'gpg'}`];
  // absolute: git runs with -C inside the repository
  if (cfg.allowedSignersFile) config.push('-c', `gpg.ssh.allowedSignersFile=${resolvePath(cfg.allowedSignersFile)}`);
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', repoDir, ...config, ...args], { env, timeout: cfg.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        if (err && code === -1) return reject(new Error(`git ${args[0]} failed: ${err.message}`));
        resolve({ stdout, stderr, code });
      });
  });
}

/** Whether the raw commit object carries a signature header at all. */
function hasSignatureHeader(rawCommit: string): boolean {
  const header = rawCommit.split('\n\n', 1)[0] ?? '';
  return /^gpgsig(-sha256)? /m.test(header);
}

const WHY: Record<string, string> = {
  U: 'good signature, but the key is not trusted',
  X: 'good signature, but it has expired',
  Y: 'good signature, but the key has expired',
  R: 'good signature, but the key has been revoked',
  E: 'the signature cannot be checked (key not in the allowed signers or keyring)',
};

export async function verifyCommit(repoDir: string, rev: string, cfg: SignatureConfig): Promise<SignatureVerdict> {
  if (!cfg.allowedSignersFile && !cfg.gpgHome) throw new Error('signature verification needs allowedSignersFile or gpgHome');
  if (cfg.allowedSignersFile) {
    // a missing file makes git answer U for every SSH signature: say what is wrong instead
    await access(cfg.allowedSignersFile, constants.R_OK).catch(() => {
      throw new Error(`allowed signers file ${cfg.allowedSignersFile} is missing or unreadable`);
    });
  }
  if (rev.startsWith('-')) throw new Error(`not a revision: ${rev}`);
  const parsed = await git(repoDir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], cfg);
  const commit = parsed.stdout.trim();
  if (parsed.code !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) throw new Error(`no commit ${rev} in ${repoDir}`);

  const raw = await git(repoDir, ['cat-file', 'commit', commit], cfg);
  if (raw.code !== 0) throw new Error(`cannot read commit ${commit}: ${raw.stderr.trim()}`);
  const signed = hasSignatureHeader(raw.stdout);

  const log = await git(repoDir, ['log', '-1', '--no-show-signature', '--format=%G?%x00%GS%x00%GK%x00%GF', commit], cfg);
  if (log.code !== 0) throw new Error(`git log ${commit} failed: ${log.stderr.trim()}`);
  const [letter = '', signerField = '', keyId = '', fingerprint = ''] = log.stdout.replace(/\n$/, '').split('\0');
  const signer = signerField || undefined;
  const key = fingerprint || keyId || undefined;
  const detail = (what: string): string => `commit ${commit.slice(0, 12)}: ${what}${key ? ` (key ${key})` : ''}`;

  switch (letter) {
    case 'G':
      if (!signed) return { ok: false, reason: 'bad-signature', detail: detail('git reports a good signature on a commit that carries none') };
      return { ok: true, signer: signer ?? key ?? 'unknown', key: key ?? '' };
    case 'B':
      return { ok: false, reason: 'bad-signature', signer, key, detail: detail('the signature does not match the commit') };
    case 'N':
      if (signed) {
        return { ok: false, reason: 'untrusted-signer', detail: detail('signed, but not with a kind of key this host is configured to trust (SSH needs allowedSignersFile, OpenPGP needs gpgHome)') };
      }
      return { ok: false, reason: 'unsigned', detail: detail('not signed') };
    case 'U': case 'X': case 'Y': case 'R': case 'E':
      return { ok: false, reason: 'untrusted-signer', signer, key, detail: detail(WHY[letter]!) };
    default:
      return { ok: false, reason: 'bad-signature', signer, key, detail: detail(`unexpected signature status '${letter}'`) };
  }
}

export class SignatureError extends Error {
  constructor(readonly verdict: Extract<SignatureVerdict, { ok: false }>) {
    super(`${verdict.reason}: ${verdict.detail}${verdict.signer ? ` (signer ${verdict.signer})` : ''}`);
    this.name = 'SignatureError';
  }
}

/** For the reconcile pass: resolves with the verdict when trusted, throws a SignatureError otherwise. */
export async function verifyCommitSignature(repoDir: string, commit: string, cfg: SignatureConfig): Promise<Extract<SignatureVerdict, { ok: true }>> {
  const v = await verifyCommit(repoDir, commit, cfg);
  if (!v.ok) throw new SignatureError(v);
  return v;
}
