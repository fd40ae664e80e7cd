#!/usr/bin/env node
// The `pjsip-gitops` command. Each entry of the map loads its module only when run (so `validate` in
// CI does not pay for ssh2 or chokidar), through a literal import that tools can follow.
// engineer/: run on a laptop or in CI, never touch the PBX host; host/: run on the PBX host.
// Exit codes: 0 ok, 1 invalid/failed, 2 usage or internal error (3: transient, apply and demo).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { didYouMean } from './args.js';
import { processIO, type CommandIO } from './io.js';
import { PACKAGE_VERSION } from '../reconciler/io/package.js';

type Run = (args: string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { load: () => Promise<{ run: Run }>; summary: string }> = {
  validate: { load: () => import('./engineer/validate.js'), summary: 'check the extensions; print every problem' },
  compile: { load: () => import('./engineer/compile.js'), summary: 'write pjsip_wizard.conf from the extensions' },
  plan: { load: () => import('./engineer/plan.js'), summary: 'show what changes between two revisions' },
  new: { load: () => import('./engineer/new.js'), summary: 'create a new extension file' },
  init: { load: () => import('./engineer/init.js'), summary: 'create an extensions repository (site policy, CI, pre-commit)' },
  import: { load: () => import('./engineer/import.js'), summary: 'turn an existing pjsip_wizard.conf into YAML files' },
  apply: { load: () => import('./host/apply.js'), summary: 'run one reconcile pass against the target' },
  reconcile: { load: () => import('./host/reconcile.js'), summary: 'run the reconcile loop (or --now: trigger a pass)' },
  status: { load: () => import('./host/status.js'), summary: 'show the reconciler status' },
  suspend: { load: () => import('./host/suspend.js'), summary: 'pause writes: the reconciler keeps comparing and reporting' },
  resume: { load: () => import('./host/suspend.js').then((m) => ({ run: m.runResume })), summary: 'end a suspension: the next pass applies' },
  inspect: { load: () => import('./host/inspect.js'), summary: 'per extension, Git beside Asterisk: loaded, registered, what differs' },
  secrets: { load: () => import('./host/secrets.js'), summary: 'host secrets: get, encrypt, keygen, recipient' },
  realtime: { load: () => import('./host/realtime.js'), summary: 'realtime setup: what Asterisk needs for the no-reload realtime strategy' },
  demo: { load: () => import('./host/demo.js'), summary: 'one pass of the shipped extensions against a local demo target' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: pjsip-gitops <command> [options]\n       pjsip-gitops --version\n\ncommands:\n${lines.join('\n')}\n\n` +
    `Run 'pjsip-gitops <command> --help' for a command's options.\n`;
}

/** The whole CLI: `argv` without node and the script; the exit code comes back, nothing exits. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io[name ? 'stdout' : 'stderr'].write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const hint = didYouMean(name, [...Object.keys(COMMANDS), ...(name.startsWith('-') ? ['--version', '--help'] : [])]);
    io.stderr.write(`pjsip-gitops: unknown command '${name}'${hint}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (err) {
    // internal error: print the message, not a stack with values that could hold secrets
    io.stderr.write(`pjsip-gitops: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

function isBin(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // npm's bin is a symlink to this file
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isBin()) {
  runCli(process.argv.slice(2), processIO()).then((code) => { process.exitCode = code; });
}
