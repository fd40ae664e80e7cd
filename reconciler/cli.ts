#!/usr/bin/env node
// The `pjsip-gitops` command: picks the subcommand and loads only its module, so `validate` in CI
// does not pay for ssh2 or chokidar. Exit codes: 0 ok, 1 invalid/failed, 2 usage or internal error.

const COMMANDS: Record<string, { module: string; summary: string }> = {
  validate: { module: './commands/validate.js', summary: 'check the extensions; print every problem' },
  compile: { module: './commands/compile.js', summary: 'write pjsip_wizard.conf from the extensions' },
  plan: { module: './commands/plan.js', summary: 'show what changes between two revisions' },
  new: { module: './commands/new.js', summary: 'create a new extension file' },
  import: { module: './commands/import.js', summary: 'turn an existing pjsip_wizard.conf into YAML files' },
  apply: { module: './commands/apply.js', summary: 'run one reconcile pass against the target' },
  reconcile: { module: './commands/reconcile.js', summary: 'run the reconcile loop (or --now: trigger a pass)' },
  status: { module: './commands/status.js', summary: 'show the reconciler status' },
  secrets: { module: './commands/secrets.js', summary: 'host secrets: get, encrypt, keygen, recipient' },
  demo: { module: './commands/demo.js', summary: 'one pass of the shipped extensions against a local demo target' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: pjsip-gitops <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `Run 'pjsip-gitops <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process[name ? 'stdout' : 'stderr'].write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`pjsip-gitops: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(command.module)) as { run(args: string[]): Promise<number> };
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    // internal error: print the message, not a stack with values that could hold secrets
    process.stderr.write(`pjsip-gitops: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
