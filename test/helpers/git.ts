// Real git repositories for tests: a bare "remote", a work tree that commits and pushes to it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author', GIT_AUTHOR_EMAIL: 'author@example.invalid',
  GIT_COMMITTER_NAME: 'Test Committer', GIT_COMMITTER_EMAIL: 'committer@example.invalid',
};

export function gitSync(cwd: string, args: string[]): string {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: cwd, LANG: 'C.UTF-8', GIT_CONFIG_NOSYSTEM: '1', ...IDENTITY };
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function tempDir(prefix = 'pjsip-gitops-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestRemote {
  /** the bare repository (what the reconciler fetches) */
  bare: string;
  /** a work tree that pushes to it */
  work: string;
  /** write files (path → text, null deletes), commit them all, push; returns the commit id */
  commit(files: Record<string, string | null>, message?: string): string;
  /** replace the branch with a new history rooted at `files` and force-push it */
  forcePush(files: Record<string, string>, message?: string): string;
  head(): string;
}

export function createRemote(root: string, branch = 'main'): TestRemote {
  const bare = join(root, 'remote.git');
  const work = join(root, 'work');
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  gitSync(bare, ['init', '--bare', '--quiet']);
  gitSync(work, ['init', '--quiet', '-b', branch]);
  gitSync(work, ['remote', 'add', 'origin', bare]);
  const write = (files: Record<string, string | null>) => {
    for (const [path, text] of Object.entries(files)) {
      const p = join(work, path);
      if (text === null) rmSync(p, { force: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, text);
      }
    }
  };
  let n = 0;
  const remote: TestRemote = {
    bare,
    work,
    commit(files, message = `change ${++n}`) {
      write(files);
      gitSync(work, ['add', '-A']);
      gitSync(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
      gitSync(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      return remote.head();
    },
    forcePush(files, message = 'rewritten history') {
      gitSync(work, ['checkout', '--quiet', '--orphan', `rewrite-${++n}`]);
      gitSync(work, ['rm', '-r', '--quiet', '--cached', '--ignore-unmatch', '.']);
      for (const name of readdirSync(work)) if (name !== '.git') rmSync(join(work, name), { recursive: true, force: true });
      write(files);
      gitSync(work, ['add', '-A']);
      gitSync(work, ['commit', '--quiet', '-m', message]);
      gitSync(work, ['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`]);
      return remote.head();
    },
    head: () => gitSync(work, ['rev-parse', 'HEAD']),
  };
  return remote;
}

/** The shipped extensions/ folder as a path → text map under `extensions/`, for seeding a remote. */
export function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}
