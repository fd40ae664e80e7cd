// `pjsip-gitops validate [dir]`: every problem of the extensions folder, in one run.
import { parseArgs } from 'node:util';
import { compileDir, parseFormat, renderDiagnostics, runCommand, UsageError, useColor } from '../compile-dir.js';

const HELP = `usage: pjsip-gitops validate [dir] [--format text|json|github]

Checks the extensions folder (default: ./extensions): YAML, schema, Asterisk 22 options and values,
rules across files, passwords, and what would reach pjsip_wizard.conf. Prints every problem as
file:line:col CODE message. Exit 0 valid (warnings allowed), 1 invalid, 2 usage or internal error.

  --format text     people: the source line and a caret (colour on a terminal)
  --format json     tools: {"ok", "errors", "warnings", "diagnostics": [...]}
  --format github   GitHub Actions annotations on the pull request's lines
`;

export async function run(args: string[]): Promise<number> {
  return runCommand(HELP, async () => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: {
      format: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } });
    if (values.help) { process.stdout.write(HELP); return 0; }
    if (positionals.length > 1) throw new UsageError('validate takes one folder');
    const format = parseFormat(values.format);
    const c = await compileDir(positionals[0] ?? 'extensions');
    process.stdout.write(renderDiagnostics(c, c.result.diagnostics, format, useColor(process.stdout)));
    return c.result.ok ? 0 : 1;
  });
}
