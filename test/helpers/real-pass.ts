// Reconcile passes against a real Asterisk: a bare git remote seeded with the shipped extensions, the
// live file being the one that Asterisk reads, the reconciler's `asterisk.cli` / `asterisk.reload`
// pointed at its sandbox. Also the call helpers the pass tests share with test/real/call.test.ts.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { configFrom, type RawConfig, type ReconcilerConfig } from '../../reconciler/config.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import type { PassDeps } from '../../reconciler/steps/types.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createRemote, tempDir, type TestRemote } from './git.js';
import { shippedFiles } from './pass-fixture.js';
import type { RealAsterisk } from './real-asterisk.js';

export interface RealPass {
  root: string;
  remote: TestRemote;
  config: ReconcilerConfig;
  deps: PassDeps;
  stateDir: string;
  /** every JSON log line of the passes so far */
  logLines: string[];
  pass(): Promise<PassResult>;
  /** the live file's bytes (Asterisk's pjsip_wizard.conf), null when missing */
  live(): Buffer | null;
  cleanup(): void;
}

/** A reconciler set up against `ast`; the remote's first commit is the shipped extensions/. */
export async function realPass(ast: RealAsterisk, config: Partial<RawConfig> = {}): Promise<RealPass> {
  const root = tempDir('pjsip-gitops-real-pass-');
  const remote = createRemote(root);
  remote.commit({ ...shippedFiles(), 'README.md': '# extensions\n' }, 'the shipped extensions');
  const stateDir = join(root, 'state');
  const raw: RawConfig = {
    source: { repo: remote.bare },
    target: { kind: 'local', liveFile: ast.wizardFile },
    // a reload on a busy 2-core machine can take seconds (asterisk/BEHAVIOR.md)
    asterisk: { cli: ast.cliArgv, reload: ast.reloadArgv, timeout: '30s' },
    stateDir,
    ...config,
  };
  const cfg = configFrom(raw, join(root, 'reconciler.yaml'));
  const logLines: string[] = [];
  const log = createLogger({ write: (l) => { logLines.push(l); } });
  const deps = await loadPassDeps(cfg, { log, target: new LocalTarget({ killGraceMs: 500 }) });
  return {
    root, remote, config: cfg, deps, stateDir, logLines,
    pass: () => runPass(deps, { trigger: 'test' }),
    live: () => { try { return readFileSync(ast.wizardFile); } catch { return null; } },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Reloads of res_pjsip that Asterisk logged so far: each `module reload res_pjsip.so` logs the NOTICE
 * `Type 'system' is not reloadable` (res_pjsip reloads its sorcery, whose `system` type never reloads).
 */
export function loggedReloads(ast: RealAsterisk): number {
  return ast.logText().split('\n').filter((l) => /NOTICE.*sorcery\.c: Type 'system' is not reloadable/.test(l)).length;
}

/** Stops Asterisk the way an admin would (`core stop now`), keeping its folder (and the live file). */
export async function stopKeepingFiles(ast: RealAsterisk, timeoutMs = 15_000): Promise<void> {
  await ast.cli('core stop now').catch(() => ''); // the CLI may lose the connection as it goes
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { process.kill(ast.pid, 0); } catch { return; }
    if (Date.now() > deadline) throw new Error(`Asterisk (pid ${ast.pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Channel { name: string; context: string; exten: string; state: string; app: string }

/** `core show channels concise`: one `!`-separated line per channel. */
export async function channels(ast: RealAsterisk): Promise<Channel[]> {
  const out = await ast.cli('core show channels concise');
  return out.split('\n').filter((l) => l.includes('!')).map((l) => {
    const f = l.split('!');
    return { name: f[0]!, context: f[1]!, exten: f[2]!, state: f[4]!, app: f[5]! };
  });
}

/** Polls until `ok` holds, while `alive` says the clients are still running (bounded by them and by 20 s). */
export async function waitFor(ok: () => boolean | Promise<boolean>, alive: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await ok()) return;
    if (!alive()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await ok())) throw new Error(`never happened: ${what}`);
}
