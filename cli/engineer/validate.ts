// `pjsip-gitops validate [dir]`: every problem of the extensions folder, in one run.
import { defineCommand, runCommand, UsageError } from '../args.js';
import { useColor, type CommandIO } from '../io.js';
import { applyPolicy, compileDir, OUTPUT_HELP, OUTPUT_OPTIONS, outputPolicy, parseFormat, renderDiagnostics } from './compile-dir.js';

const SPEC = defineCommand({
  name: 'validate',
  help: `usage: pjsip-gitops validate [dir] [--format text|json|github] [--quiet] [--max-warnings N]

Checks the extensions folder (default: ./extensions): YAML, schema, Asterisk 22 options and values,
rules across files, passwords, and what would reach pjsip_wizard.conf. Prints every problem as
file:line:col CODE message. Exit 0 valid (warnings allowed), 1 invalid, 2 usage or internal error.

  --format text     people: the source line and a caret (colour on a terminal)
  --format json     tools: {"ok", "errors", "warnings", "diagnostics": [...]}
  --format github   GitHub Actions annotations on the pull request's lines (past GitHub's 10 per
                    kind, one notice counts the rest by code)
${OUTPUT_HELP}`,
  options: { format: { type: 'string' }, ...OUTPUT_OPTIONS },
  positionals: true,
});

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    if (positionals.length > 1) throw new UsageError('validate takes one folder');
    const format = parseFormat(values.format);
    const policy = outputPolicy(values);
    const c = await compileDir(positionals[0] ?? 'extensions', io.cwd);
    const { shown, tooMany } = applyPolicy(c.result.diagnostics, policy);
    io.stdout.write(renderDiagnostics(c, shown, format, useColor(io, io.stdout), io.cwd));
    if (tooMany) io.stderr.write(`pjsip-gitops validate: ${tooMany}\n`);
    return c.result.ok && !tooMany ? 0 : 1;
  });
}
