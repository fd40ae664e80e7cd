// Every git call of the reconciler goes through this one factory: an explicit environment (no
// inherited GIT_*, never a prompt), ssh that fails instead of asking, a timeout, and errors on any
// non-zero exit (simple-git resolves a failing command that printed nothing on stderr).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
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

/**
 * The reconciler's checkout as one process keeps it from pass to pass. The first update, and the
 * first after a git command failed or was killed, makes sure of it with ensureClone (the repository,
 * the origin URL, the config file's mode, stale lock files cleared); later ones only fetch, since
 * nothing else changes the checkout while the reconciler lock is held. A different URL or folder (a
 * reloaded config) is made sure of again. When the branch did not move, the fetch is the only git
 * command: its FETCH_HEAD names the commit this checkout was last reset to.
 */
export class Checkout {
  #checked: { repo: string; dir: string; git: SimpleGit; head?: string } | undefined;

  /** the branch head's commit; unless reset is false, HEAD and the work tree are moved to it */
  async update(repo: string, dir: string, branch: string, options: { reset?: boolean } = {}): Promise<string> {
    try {
      let c = this.#checked;
      // .git gone (removed by hand) would make git use a repository further up: check it, one stat
      if (!c || c.repo !== repo || c.dir !== dir || !existsSync(join(dir, '.git', 'HEAD'))) {
        this.#checked = undefined;
        c = { repo, dir, git: await ensureClone(repo, dir) };
        this.#checked = c;
      }
      await c.git.fetch(fetchArgs(branch));
      const fetched = await readFetchHead(dir);
      // only the unchanged case is taken from FETCH_HEAD; any other commit goes through rev-parse (^{commit})
      if (fetched !== undefined && fetched === c.head) return fetched;
      const commit = await settle(c.git, branch, options);
      if (options.reset !== false) c.head = commit;
      return commit;
    } catch (err) {
      // a failed or killed git may have left *.lock files behind: the next update clears them
      this.#checked = undefined;
      throw err;
    }
  }
}

/**
 * The one object id of .git/FETCH_HEAD, which every fetch writes for scripts (one line per fetched
 * ref: `<id> TAB [not-for-merge] TAB <what>`); undefined when it is not exactly one such line.
 */
async function readFetchHead(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, '.git', 'FETCH_HEAD'), 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean);
  const id = lines.length === 1 ? /^([0-9a-f]{40}|[0-9a-f]{64})\t/.exec(lines[0]!)?.[1] : undefined;
  return id;
}

/** The fetch of one branch: forced (a force-push is fine), pruned, no tags. */
export function fetchArgs(branch: string): string[] {
  return ['origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`, '--prune', '--no-tags'];
}

/**
 * Fetch the branch (a force-push is fine: the refspec is forced) and, unless only fetching, reset the
 * tree to it — only when it moved: a `reset --hard` looks at every file of the work tree (10,000 of
 * them at 10,000 extensions), and the pass reads its sources from git objects anyway.
 */
export async function fetchAndReset(git: SimpleGit, branch: string, options: { reset?: boolean } = {}): Promise<string> {
  await git.fetch(fetchArgs(branch));
  return settle(git, branch, options);
}

/** After a fetch: the fetched commit, and HEAD reset to it when it differs (unless reset is false). */
async function settle(git: SimpleGit, branch: string, options: { reset?: boolean }): Promise<string> {
  const fetched = `refs/remotes/origin/${branch}`;
  if (options.reset === false) return headCommit(git, fetched);
  const { commit, head } = await fetchedAndHead(git, fetched);
  if (commit !== head) await git.reset(['--hard', commit]);
  return commit;
}

/** The fetched commit and the checkout's HEAD in one rev-parse; HEAD undefined while unborn (a fresh init). */
async function fetchedAndHead(git: SimpleGit, fetched: string): Promise<{ commit: string; head: string | undefined }> {
  let out: string;
  try {
    out = await git.raw(['rev-parse', `${fetched}^{commit}`, 'HEAD^{commit}', '--']);
  } catch {
    // HEAD has no commit yet (or the fetched ref is not a commit: the next call says so)
    return { commit: await headCommit(git, fetched), head: undefined };
  }
  const [commit, head] = out.trim().split('\n');
  if (!commit || !head || !/^[0-9a-f]{40,64}$/.test(commit)) throw new Error(`unexpected git rev-parse answer: ${out.trim().slice(0, 200)}`);
  return { commit, head };
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
