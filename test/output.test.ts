// Output for people: --quiet and --max-warnings (as ESLint), GitHub's annotation limit, YAML syntax
// errors at the line to fix (one diagnostic each), did-you-mean for commands and options, --version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import type { Diagnostic } from '../compiler/types.js';
import { ROOT, runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

const cli = (...args: string[]) => runCliInProcess(args, { cwd: ROOT, env: { NO_COLOR: '1' } });
const json = (out: string) => JSON.parse(out) as { ok: boolean; warnings: number; diagnostics: Diagnostic[] };

/** The shipped extensions (dev profile: 24 plaintext-password warnings) with one file broken. */
function broken(): string {
  const dir = tempDir('pjsip-gitops-output-');
  roots.push(dir);
  cpSync(join(ROOT, 'extensions'), dir, { recursive: true });
  writeFileSync(join(dir, '6001.yaml'), readFileSync(join(dir, '6001.yaml'), 'utf8').replace(/^name: .*$/m, 'name: [unclosed'));
  return dir;
}

test('--quiet: errors only, same exit code', async () => {
  const all = json((await cli('validate', broken(), '--format', 'json')).stdout);
  assert.ok(all.diagnostics.some((d) => d.severity === 'warning'));
  const r = await cli('validate', broken(), '--format', 'json', '--quiet');
  assert.is(r.code, 1);
  const q = json(r.stdout);
  assert.ok(q.diagnostics.length > 0);
  assert.ok(q.diagnostics.every((d) => d.severity === 'error'));
  const ok = await cli('validate', 'extensions', '--format', 'json', '-q');
  assert.is(ok.code, 0);
  assert.equal(json(ok.stdout).diagnostics, []);
});

test('--max-warnings N: more warnings than N → exit 1 (validate and compile); N or fewer → 0', async () => {
  assert.is((await cli('validate', '--max-warnings', '24', '--quiet')).code, 0);
  assert.is((await cli('validate', '--max-warnings', '23', '--quiet')).code, 1);
  const c = await cli('compile', '--max-warnings', '0', '--quiet');
  assert.is(c.code, 1);
  assert.is(c.stdout, '', 'nothing compiled is written');
  assert.is((await cli('compile', '--max-warnings', '24')).code, 0);
  assert.is((await cli('validate', '--max-warnings', 'ten')).code, 2);
});

test('--format github: past 10 of a kind, one notice counts them by code', async () => {
  const r = await cli('validate', '--format', 'github');
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.filter((l) => l.startsWith('::warning ')).length, 24);
  const notices = lines.filter((l) => l.startsWith('::notice '));
  assert.is(notices.length, 1);
  assert.match(notices[0]!, /PLAINTEXT_PASSWORD ×24/);
});

/** Diagnostics of one extension file with `text`, beside the shipped site.yaml. */
function diagnose(text: string): Diagnostic[] {
  const site = readFileSync(join(ROOT, 'extensions/site.yaml'), 'utf8');
  return compile([{ path: 'site.yaml', text: site }, { path: '6001.yaml', text }]).diagnostics.filter((d) => d.severity === 'error');
}

const at = (ds: Diagnostic[]) => ds.map((d) => `${d.line} ${d.code}`);

test('YAML: a key indented too deep → one YAML_SYNTAX at the deeper line, with a hint', () => {
  const ds = diagnose('extension: 6001\nname: Desk\nauth: { secret: "6001" }\noptions:\n  endpoint/ice_support: no\n    endpoint/rtp_symmetric: yes\n');
  assert.equal(at(ds), ['6 YAML_SYNTAX']);
  assert.ok(ds[0]!.hint);
});

test('YAML: a key not lined up with its siblings, a TAB, an unclosed quote or brace → one error at the line to fix', () => {
  assert.equal(at(diagnose('extension: 6001\nname: Desk\nauth:\n  secret: "6001"\n options:\n  endpoint/ice_support: no\n')), ['5 YAML_SYNTAX']);
  const tab = diagnose('extension: 6001\nname: Desk\nauth:\n\tsecret: "6001"\n');
  assert.equal(at(tab), ['4 YAML_SYNTAX']);
  assert.ok(tab[0]!.hint);
  const quote = diagnose('extension: 6001\nname: "Desk\nauth: { secret: "6001" }\n\n# end\n');
  assert.equal(at(quote), ['2 YAML_SYNTAX']);
  assert.is(quote[0]!.col, 7, 'at the opening quote');
  assert.equal(at(diagnose('extension: 6001\nauth: { secret: "6001"\nname: Desk\n')), ['2 YAML_SYNTAX']);
});

test('did you mean: a mistyped command or option is named with the closest one (exit 2)', async () => {
  const c = await cli('valdate');
  assert.is(c.code, 2);
  assert.ok(c.stderr.includes("'validate'"));
  const o = await cli('validate', '--max-warning', '3');
  assert.is(o.code, 2);
  assert.ok(o.stderr.includes("'--max-warnings'"));
  const far = await cli('frobnicate');
  assert.is(far.code, 2);
  assert.not.ok(far.stderr.includes('did you mean'), 'no guess when nothing is close');
});

test('--version and -V print the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    assert.is(r.code, 0);
    assert.is(r.stdout.trim(), version);
  }
});

test.run();
