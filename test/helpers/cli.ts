// The CLI for tests. In-process by default: runCli with captured streams, no node + tsx start-up per
// call. As a real process (spawnCli, cliArgv) where the process itself is under test: the bin's exit
// codes, signals, kill -9, the pid identity.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli/main.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** the bin's source, run through tsx */
export const CLI_MAIN = join(ROOT, 'cli', 'main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** paths are resolved and shown relative to it; default: this process's */
  cwd?: string;
  /** what the command sees as its environment (NO_COLOR, FORCE_COLOR); default: this process's */
  env?: Record<string, string | undefined>;
  /** stdin's whole text */
  input?: string;
}

/** `pjsip-gitops <args>` in this process; exit code and both streams as text. */
export async function runCliInProcess(args: string[], opts: InProcessOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t) => { stdout += t; }, isTTY: false },
    stderr: { write: (t) => { stderr += t; }, isTTY: false },
    stdin: Readable.from(opts.input ? [Buffer.from(opts.input)] : []),
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

/** node's argv for the CLI as a real process: `spawn(process.execPath, cliArgv([...]))` */
export function cliArgv(args: string[], preload: string[] = []): string[] {
  return ['--import', 'tsx', ...preload, CLI_MAIN, ...args];
}

/** `pjsip-gitops <args>` as a real process (status null when killed). */
export function spawnCli(args: string[], opts: SpawnSyncOptions & { preload?: string[] } = {}): { code: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null } {
  const { preload, ...rest } = opts;
  const r = spawnSync(process.execPath, cliArgv(args, preload), { encoding: 'utf8', timeout: 60_000, ...rest });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal };
}
