// `pjsip-gitops plan --base <rev> [--head <rev>]`: what a pull request changes in pjsip_wizard.conf,
// compiled straight from git objects (no checkout), in Asterisk's terms, secrets never shown.
import { resolve } from 'node:path';
import { compile } from '../../compiler/compile.js';
import { buildPlan, type PlanSide } from '../../compiler/plan/build.js';
import { renderJson, renderMarkdown, renderText } from '../../compiler/plan/render.js';
import type { SourceFile } from '../../compiler/types.js';
import { createGit, readSourcesAtRev, SourceMissingError } from '../../reconciler/git.js';
import { readExtensionsDir } from '../../reconciler/sources.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import { useColor, type CommandIO } from '../io.js';
import { parseFormat, renderDiagnostics } from './compile-dir.js';

const SPEC = defineCommand({
  name: 'plan',
  help: `usage: pjsip-gitops plan --base <rev> [--head <rev>] [--dir extensions] [--repo .]
                         [--format text|markdown|json] [--detailed-exitcode]

Compiles the extensions at two revisions (read from git objects, no checkout) and shows what would
change in pjsip_wizard.conf: extensions added (+), removed (-) and changed (~: template, callerid,
codecs, options, "password changed"), then the unified diff of the file with every password shown
as (secret). Without --head the work tree is the head.

  --base REV            the revision the change is compared against (e.g. origin/main)
  --head REV            the revision with the change (default: the work tree)
  --dir PATH            the extensions folder inside the repository (default: extensions)
  --repo PATH           the repository (default: .)
  --format FORMAT       text, markdown (for a pull request comment) or json
  --detailed-exitcode   exit 0 no change, 2 changes, 3 changes the reconciler will refuse
                        (site.yaml guards: maxDeletions, allowEmpty), 1 error (without it: 0 ok, 1 error)

The guards are site.yaml's (guards:); the host's config can only tighten them, so a plan that
passes here can still be refused by a stricter host, never the other way round.
`,
  options: {
    base: { type: 'string' }, head: { type: 'string' }, dir: { type: 'string' }, repo: { type: 'string' },
    format: { type: 'string' }, 'detailed-exitcode': { type: 'boolean' },
  },
  positionals: true,
});

export async function run(args: string[], io: CommandIO): Promise<number> {
  // with --detailed-exitcode, 2 means "changes": a usage error must not look like one
  let detailed = false;
  let planned = false;
  const code = await runCommand(SPEC, args, io, async ({ values, positionals }) => {
    detailed = values['detailed-exitcode'] === true;
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.base) throw new UsageError('--base REV is required (e.g. --base origin/main)');
    const format = parseFormat(values.format, ['text', 'markdown', 'json']) as string;
    const repo = resolve(io.cwd, values.repo ?? '.');
    const dir = (values.dir ?? 'extensions').replace(/\/+$/, '') || '.';

    let base: PlanSide;
    let head: PlanSide;
    try {
      base = await readSide(repo, values.repo ?? '.', dir, values.base);
      head = values.head ? await readSide(repo, values.repo ?? '.', dir, values.head) : await readWorkTree(repo, dir);
    } catch (err) {
      io.stderr.write(`pjsip-gitops plan: ${(err as Error).message}\n`);
      return 1;
    }
    if (!head.result) {
      io.stderr.write(`pjsip-gitops plan: no folder '${dir}' at ${head.label}\n`);
      return 1;
    }

    const plan = buildPlan(base, head);
    if (!plan.head.ok) {
      // the head does not compile: its diagnostics, nothing else
      const shown = { dir: resolve(repo, dir), sources: head.sources, result: head.result };
      io.stderr.write(plan.redact(renderDiagnostics(shown, head.result.diagnostics, 'text', useColor(io, io.stderr), io.cwd)));
      if (format === 'json') io.stdout.write(renderJson(plan));
      if (format === 'markdown') io.stdout.write(renderMarkdown(plan));
      io.stderr.write(`pjsip-gitops plan: ${head.label} does not compile; fix the errors above\n`);
      return 1;
    }
    io.stdout.write(format === 'json' ? renderJson(plan) : format === 'markdown' ? renderMarkdown(plan) : renderText(plan, { color: useColor(io, io.stdout) }));
    planned = true;
    if (!detailed || !plan.changed) return 0;
    return plan.refusals.length ? 3 : 2;
  });
  return detailed && (code === 2 || code === 3) && !planned ? 1 : code;
}

/** One revision's extensions, read from git objects; `shown` is the repository as the user wrote it. */
async function readSide(repo: string, shown: string, dir: string, rev: string): Promise<PlanSide> {
  const git = createGit(repo);
  let commit: string;
  try {
    commit = (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
  } catch {
    throw new Error(`unknown revision '${rev}' in ${shown} (with a shallow clone, fetch with fetch-depth: 0)`);
  }
  if (!commit) throw new Error(`unknown revision '${rev}' in ${shown}`);
  let sources: SourceFile[];
  try {
    sources = await readSourcesAtRev(repo, commit, dir);
  } catch (err) {
    if (err instanceof SourceMissingError) return { label: rev, commit, sources: [] };
    throw err;
  }
  return { label: rev, commit, sources, result: compile(sources, { sourceLabel: `${dir}/` }) };
}

async function readWorkTree(repo: string, dir: string): Promise<PlanSide> {
  const sources = await readExtensionsDir(resolve(repo, dir)).catch(() => null);
  if (!sources) return { label: 'work tree', sources: [] };
  return { label: 'work tree', sources, result: compile(sources, { sourceLabel: `${dir}/` }) };
}
