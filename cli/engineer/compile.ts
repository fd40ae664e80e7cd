// `pjsip-gitops compile [dir] [-o file]`: write pjsip_wizard.conf (stdout without -o).
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../reconciler/io/atomic-write.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import { useColor, type CommandIO } from '../io.js';
import { applyPolicy, compileDir, OUTPUT_HELP, OUTPUT_OPTIONS, outputPolicy, parseFormat, renderDiagnostics } from './compile-dir.js';

const SPEC = defineCommand({
  name: 'compile',
  help: `usage: pjsip-gitops compile [dir] [-o file] [--redact] [--format text|json|github] [--quiet] [--max-warnings N]

Compiles the extensions folder (default: ./extensions) to pjsip_wizard.conf. Writes nothing when any
error exists. Without -o the file goes to stdout and diagnostics to stderr.
Passwords from { secret } or { encrypted } cannot be read here; they are written as a placeholder
that the reconciler refuses to deploy (it resolves them on the PBX host).

  -o, --output FILE   write the file atomically (mode 0640)
  --redact            write (secret) in place of every password
  --format FORMAT     diagnostics as text, json or github
${OUTPUT_HELP}`,
  options: { output: { type: 'string', short: 'o' }, redact: { type: 'boolean' }, format: { type: 'string' }, ...OUTPUT_OPTIONS },
  positionals: true,
});

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    if (positionals.length > 1) throw new UsageError('compile takes one folder');
    const format = parseFormat(values.format);
    const policy = outputPolicy(values);
    const c = await compileDir(positionals[0] ?? 'extensions', io.cwd);
    const { shown, tooMany } = applyPolicy(c.result.diagnostics, policy);
    io.stderr.write(renderDiagnostics(c, shown, format, useColor(io, io.stderr), io.cwd));
    if (tooMany) io.stderr.write(`pjsip-gitops compile: ${tooMany}; nothing written\n`);
    if (!c.result.ok || tooMany) return 1;
    const text = values.redact ? c.result.redacted : c.result.conf;
    if (!values.output) {
      io.stdout.write(text);
      return 0;
    }
    await writeFileAtomic(resolve(io.cwd, values.output), Buffer.from(text), 0o640);
    const n = c.result.model.extensions.length;
    io.stderr.write(`wrote ${values.output}: ${n} extension${n === 1 ? '' : 's'}, sha256 ${c.result.hash.slice(0, 12)}` +
      `${c.result.deployable ? '' : ' (secrets are placeholders: not deployable)'}\n`);
    return 0;
  });
}
