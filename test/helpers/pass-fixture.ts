// A whole reconciler setup for pass tests: a bare git remote seeded with the shipped extensions, a
// live pjsip_wizard.conf path, the fake Asterisk reading it, a config, and the pass's deps.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFrom, type RawConfig, type ReconcilerConfig } from '../../reconciler/config.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import type { PassDeps } from '../../reconciler/steps/types.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createFakeAsterisk, type FakeAsterisk, type FakeAsteriskMode } from './fake-asterisk.js';
import { createRemote, tempDir, type TestRemote } from './git.js';

export const SHIPPED = join(process.cwd(), 'extensions');

/** The shipped extensions as files for a commit, under `extensions/`. */
export function shippedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(SHIPPED)) out[`extensions/${name}`] = readFileSync(join(SHIPPED, name), 'utf8');
  return out;
}

export interface PassFixture {
  root: string;
  remote: TestRemote;
  fake: FakeAsterisk;
  liveFile: string;
  stateDir: string;
  config: ReconcilerConfig;
  deps: PassDeps;
  /** every JSON log line of the passes so far */
  logLines: string[];
  pass(opts?: { dryRun?: boolean }): Promise<PassResult>;
  live(): Buffer | null;
  /** write the reconciler config as a YAML file (for the CLI) and return its path */
  writeConfigFile(extra?: string): string;
  cleanup(): void;
}

export interface FixtureOptions {
  config?: Partial<RawConfig>;
  fake?: Partial<FakeAsteriskMode>;
  /** extra files in the first commit */
  files?: Record<string, string | null>;
  /** start with this live file instead of none */
  live?: string;
}

export async function passFixture(opts: FixtureOptions = {}): Promise<PassFixture> {
  const root = tempDir('pjsip-gitops-pass-');
  const remote = createRemote(root);
  remote.commit({ ...shippedFiles(), 'README.md': '# extensions\n', ...opts.files }, 'the shipped extensions');
  const liveFile = join(root, 'live', 'pjsip_wizard.conf');
  mkdirSync(join(root, 'live'));
  if (opts.live !== undefined) writeFileSync(liveFile, opts.live, { mode: 0o640 });
  const fake = createFakeAsterisk({ confPath: liveFile, ...opts.fake });
  const stateDir = join(root, 'state');
  const raw: RawConfig = {
    source: { repo: remote.bare },
    target: { kind: 'local', liveFile },
    asterisk: { cli: [fake.bin, '-rx'], reload: fake.reloadArgv, timeout: '5s' },
    stateDir,
    ...opts.config,
  };
  const config = configFrom(raw, join(root, 'reconciler.yaml'));
  const logLines: string[] = [];
  const log = createLogger({ write: (l) => { logLines.push(l); } });
  const deps = await loadPassDeps(config, { log, target: new LocalTarget({ killGraceMs: 200 }) });
  return {
    root, remote, fake, liveFile, stateDir, config, deps, logLines,
    pass: (o = {}) => runPass(deps, { trigger: 'test', ...o }),
    live: () => { try { return readFileSync(liveFile); } catch { return null; } },
    writeConfigFile(extra = '') {
      const path = join(root, 'reconciler.yaml');
      writeFileSync(path, [
        `source: { repo: ${JSON.stringify(remote.bare)} }`,
        `target: { kind: local, liveFile: ${JSON.stringify(liveFile)} }`,
        `asterisk: { cli: ${JSON.stringify([fake.bin, '-rx'])}, reload: ${JSON.stringify(fake.reloadArgv)}, timeout: 5s }`,
        `stateDir: ${JSON.stringify(stateDir)}`,
        extra,
      ].join('\n') + '\n');
      return path;
    },
    cleanup() {
      fake.cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A fixture whose first pass has applied the shipped extensions (throws otherwise), its cleanup
 * registered in `cleanups` for the test file's `test.after`.
 */
export async function appliedFixture(cleanups: (() => void)[], opts: FixtureOptions = {}): Promise<PassFixture> {
  const f = await passFixture(opts);
  cleanups.push(() => f.cleanup());
  const first = await f.pass();
  if (first.result !== 'applied') throw new Error(`the first pass did not apply: ${first.result} (${first.reason}: ${first.message})`);
  return f;
}
