// Every git call of the reconciler goes through this one factory: an explicit environment (no
// inherited GIT_*, never a prompt), ssh that fails instead of asking, a timeout, and errors on any
// non-zero exit (simple-git resolves a failing command that printed nothing on stderr).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { SourceFile } from '../compiler/types.js';

export const SSH_COMMAND = 'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o ServerAliveInterval=15';

export interface GitOptions {
  /** a git command running longer than this without output is killed; default 60 s */
  timeoutMs?: number;
  /** extra variables (e.g. GNUPGHOME for signature checks) */
  env?: Record<string, string>;
}

/** The environment every git child gets: only what git needs, nothing inherited from GIT_*. */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', GIT_TERMINAL_PROMPT: '0' };
  for (const key of ['PATH', 'HOME', 'SSH_AUTH_SOCK', 'TMPDIR']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  return { ...env, ...extra };
}

export function createGit(baseDir: string, options: GitOptions = {}): SimpleGit {
  const env = gitEnv(options.env);
  return simpleGit({
    baseDir,
    maxConcurrentProcesses: 1,
    config: ['core.quotePath=false', `core.sshCommand=${SSH_COMMAND}`],
    unsafe: { allowUnsafeSshCommand: true },
    allowEnvironment: Object.keys(env).filter((k) => k.startsWith('GIT_')),
    timeout: { block: options.timeoutMs ?? 60_000 },
    errors(error, result) {
      if (error) return error;
      if (result.exitCode === 0) return undefined;
      const stderr = Buffer.concat(result.stdErr).toString('utf8').trim();
      return new Error(stderr || `git exited with code ${result.exitCode}`);
    },
  }).env(env);
}

/**
 * Remove the `*.lock` files a git process killed mid-way leaves behind (index.lock, a ref's lock),
 * which would make every later fetch or reset fail. Only safe while holding the reconciler lock:
 * then no other git process works in this checkout.
 */
export async function clearStaleGitLocks(dir: string): Promise<string[]> {
  const gitDir = join(dir, '.git');
  const removed: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth > 0 && e.name !== 'objects') await walk(p, depth - 1);
      else if (e.isFile() && e.name.endsWith('.lock')) {
        await rm(p, { force: true });
        removed.push(p);
      }
    }
  };
  await walk(gitDir, 6);
  return removed;
}

/** Make `dir` a repository whose `origin` is `repo` (init + remote, or fix the URL). Call with the reconciler lock held. */
export async function ensureClone(repo: string, dir: string, options: GitOptions = {}): Promise<SimpleGit> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const git = createGit(dir, options);
  if (!existsSync(join(dir, '.git', 'HEAD')) || !existsSync(join(dir, '.git', 'config'))) {
    // a killed `git init` can leave a partial .git (no HEAD, or no config): start that one again
    await rm(join(dir, '.git'), { recursive: true, force: true });
    await git.raw(['init', '--quiet']);
  } else {
    await clearStaleGitLocks(dir);
  }
  // the remote URL may carry a token (https://user:token@…); git keeps this mode when it rewrites the file
  await chmod(join(dir, '.git', 'config'), 0o600);
  const remotes = await git.getRemotes(true);
  const origin = remotes.find((r) => r.name === 'origin');
  if (!origin) await git.raw(['remote', 'add', 'origin', repo]);
  else if (origin.refs.fetch !== repo) await git.raw(['remote', 'set-url', 'origin', repo]);
  return git;
}

/** Fetch the branch (a force-push is fine: the refspec is forced) and, unless only fetching, reset the tree to it. */
export async function fetchAndReset(git: SimpleGit, branch: string, options: { reset?: boolean } = {}): Promise<string> {
  await git.fetch(['origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`, '--prune', '--no-tags']);
  const commit = (await git.raw(['rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`])).trim();
  if (options.reset !== false) await git.reset(['--hard', commit]);
  return commit;
}

export async function headCommit(git: SimpleGit, rev = 'HEAD'): Promise<string> {
  return (await git.raw(['rev-parse', '--verify', `${rev}^{commit}`])).trim();
}

/** Run git with our environment, feeding `input` on stdin and collecting stdout as bytes. */
function gitBytes(repoDir: string, args: string[], input?: string, timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], {
      cwd: repoDir, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(Buffer.concat(out));
      else reject(new Error(err.trim() || `git ${args[0]} failed (${signal ?? `exit ${String(code)}`})`));
    });
    child.stdin.on('error', () => {}); // git may exit before reading everything
    child.stdin.end(input ?? '');
  });
}

export class SourceMissingError extends Error {}

/**
 * The YAML files of `extensionsPath` at `rev`, read from git objects (no checkout): one ls-tree and
 * one cat-file --batch for all of them. Paths are relative to the extensions folder, like readExtensionsDir.
 */
export async function readSourcesAtRev(repoDir: string, rev: string, extensionsPath: string): Promise<SourceFile[]> {
  const folder = extensionsPath === '.' || extensionsPath === '' ? '' : extensionsPath.replace(/\/+$/, '');
  const treeish = folder ? `${rev}:${folder}` : `${rev}^{tree}`;
  let listing: Buffer;
  try {
    listing = await gitBytes(repoDir, ['ls-tree', '-r', '-z', treeish]); // subfolders too, like the work tree
  } catch (err) {
    throw new SourceMissingError(`no folder '${folder || '.'}' at ${rev.slice(0, 12)}: ${(err as Error).message}`);
  }
  const entries: { oid: string; name: string }[] = [];
  for (const rec of listing.toString('utf8').split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(rec);
    if (m && m[2] === 'blob' && /\.ya?ml$/.test(m[4]!) && !m[4]!.split('/').some((p) => p.startsWith('.') || p === 'node_modules')) entries.push({ oid: m[3]!, name: m[4]! });
  }
  if (entries.length === 0) return [];
  const batch = await gitBytes(repoDir, ['cat-file', '--batch'], entries.map((e) => e.oid).join('\n') + '\n');
  const files: SourceFile[] = [];
  let pos = 0;
  for (const e of entries) {
    const nl = batch.indexOf(0x0a, pos);
    const header = batch.subarray(pos, nl).toString('utf8');
    const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
    if (!m || m[1] !== e.oid) throw new Error(`unexpected git cat-file answer for ${e.name}: ${header}`);
    const size = Number(m[2]);
    files.push({ path: e.name, text: batch.subarray(nl + 1, nl + 1 + size).toString('utf8') });
    pos = nl + 1 + size + 1; // content is followed by a newline
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
