// plan across real git histories in temporary repositories, through the CLI (in-process) for exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile.js';
import { fingerprint } from '../compiler/passwords.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { buildPlan } from '../compiler/plan/build.js';
import { renderMarkdown } from '../compiler/plan/render.js';
import { redactor, sourcePasswords } from '../compiler/plan/redact.js';
import { runCliInProcess } from './helpers/cli.js';
import { gitSync, tempDir } from './helpers/git.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

/** A repository holding the shipped extensions, committed once. */
function repo(): { dir: string; write(path: string, text: string | null): void; commit(msg?: string): string } {
  const dir = tempDir('pjsip-gitops-plan-');
  roots.push(dir);
  gitSync(dir, ['init', '--quiet', '-b', 'main']);
  cpSync(join(ROOT, 'extensions'), join(dir, 'extensions'), { recursive: true });
  writeFileSync(join(dir, 'README.md'), '# PBX extensions\n');
  const r = {
    dir,
    write(path: string, text: string | null) {
      if (text === null) rmSync(join(dir, path));
      else writeFileSync(join(dir, path), text);
    },
    commit(msg = 'change') {
      gitSync(dir, ['add', '-A']);
      gitSync(dir, ['commit', '--quiet', '--allow-empty', '-m', msg]);
      return gitSync(dir, ['rev-parse', 'HEAD']);
    },
  };
  r.commit('shipped extensions');
  return r;
}

async function plan(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCliInProcess(['plan', '--repo', dir, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const ext = (n: number, name: string, extra = '', auth = '{ password: Maja1234 }') =>
  `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: ${name}\nauth: ${auth}\n${extra}`;

const siteText = (dir: string) => readFileSync(join(dir, 'extensions/site.yaml'), 'utf8');

test('adding and removing extensions: + and - lines, exit 2 with --detailed-exitcode', async () => {
  const r = repo();
  r.write('extensions/site.yaml', siteText(r.dir).replace('from: 6010, to: 6023', 'from: 6010, to: 6029'));
  r.write('extensions/6024.yaml', ext(6024, 'Reception'));
  r.write('extensions/6019.yaml', null);
  r.commit('add reception, remove 6019');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode');
  assert.is(p.code, 2, p.err);
  assert.match(p.out, /^\+ 6024 softphone "Reception"$/m);
  assert.match(p.out, /^- 6019 softphone "Softphone 10"$/m);
  assert.match(p.out, /^1 added, 1 removed, 0 changed \(24 → 24 extensions\)$/m);
  assert.match(p.out, /^\+\[6024\]\(pjsip-gitops-defaults,softphone\)$/m, 'the diff shows the new section');
  assert.match(p.out, /^-\[6019\]/m);
  assert.match(p.out, /^@@ /m);
});

test('the work tree is the default head; nothing changed → exit 0', async () => {
  const r = repo();
  const same = await plan(r.dir, '--base', 'HEAD', '--detailed-exitcode');
  assert.is(same.code, 0, same.err);
  assert.match(same.out, /no change/);
  r.write('extensions/6002.yaml', ext(6002, 'Dealer Desk'));
  const p = await plan(r.dir, '--base', 'HEAD', '--detailed-exitcode');
  assert.is(p.code, 2, p.err);
  assert.match(p.out, /^plan: HEAD \([0-9a-f]{12}\) → work tree$/m);
  assert.match(p.out, /^~ 6002 callerid "Turret Desk 3" → "Dealer Desk"$/m);
});

test('renaming a file: same number is no change; a new number is a removal and an addition', async () => {
  const r = repo();
  renameSync(join(r.dir, 'extensions/6005.yaml'), join(r.dir, 'extensions/6005.yml'));
  r.commit('rename to .yml');
  const same = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode');
  assert.is(same.code, 0, same.err + same.out);
  assert.match(same.out, /no change/);

  const text = readFileSync(join(r.dir, 'extensions/6005.yml'), 'utf8');
  rmSync(join(r.dir, 'extensions/6005.yml'));
  r.write('extensions/7005.yaml', text.replace('extension: 6005', 'extension: 7005'));
  r.commit('move 6005 to 7005');
  const moved = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode');
  assert.is(moved.code, 2, moved.err);
  assert.match(moved.out, /^- 6005 webrtc "Turret Desk 6"$/m);
  assert.match(moved.out, /^\+ 7005 custom "Turret Desk 6"$/m);
});

test('a template edit in site.yaml touching many extensions is one grouped line, plus the template line', async () => {
  const r = repo();
  r.write('extensions/site.yaml', siteText(r.dir).replace('endpoint/force_rport: yes', 'endpoint/force_rport: no')
    .replace('aor/max_contacts: 5 ', 'aor/max_contacts: 5\n    aor/qualify_frequency: 30 '));
  r.commit('softphones without force_rport');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD');
  assert.is(p.code, 0, p.err);
  assert.match(p.out, /^~ 6010–6023 \(14 extensions\) endpoint\/force_rport: yes → no$/m);
  assert.match(p.out, /^~ template softphone endpoint\/force_rport: yes → no$/m);
  assert.match(p.out, /^~ defaults aor\/qualify_frequency: \(not set\) → 30$/m);
  assert.match(p.out, /^~ 6000–6023 \(24 extensions\) aor\/qualify_frequency: \(not set\) → 30$/m);
  assert.match(p.out, /^0 added, 0 removed, 24 changed/m);
});

test('a template switch shows template, transport, codecs and options', async () => {
  const r = repo();
  r.write('extensions/site.yaml', siteText(r.dir).replace('{ from: 6000, to: 6009, templates: [webrtc]', '{ from: 6000, to: 6009, templates: [webrtc, softphone]'));
  r.write('extensions/6005.yaml', ext(6005, 'Turret Desk 6', 'template: softphone\n'));
  r.commit('6005 becomes a softphone');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json');
  assert.is(p.code, 0, p.err);
  const j = JSON.parse(p.out) as { changes: { number: string; changes: { kind: string; from?: unknown; to?: unknown; key?: string }[] }[]; lines: string[] };
  assert.equal(j.changes.map((c) => c.number), ['6005']);
  const kinds = j.changes[0]!.changes;
  assert.equal(kinds.find((c) => c.kind === 'template'), { kind: 'template', from: 'webrtc', to: 'softphone' });
  assert.equal(kinds.find((c) => c.kind === 'transport'), { kind: 'transport', from: 'transport-ws', to: 'transport-udp' });
  assert.equal(kinds.find((c) => c.kind === 'codecs'), { kind: 'codecs', from: ['g722', 'ulaw', 'alaw', 'opus'], to: ['g722', 'ulaw', 'alaw'] });
  assert.equal(kinds.find((c) => c.key === 'endpoint/webrtc'), { kind: 'option', key: 'endpoint/webrtc', from: 'yes', to: 'no' });
  assert.ok(j.lines.includes('~ 6005 template webrtc → softphone'));
});

test('a password change is named, never shown, in every format', async () => {
  const r = repo();
  const planted = ['Zq9!planted-OLD-pass', 'Xy7;planted-NEW-pass'];
  r.write('extensions/6003.yaml', ext(6003, 'Turret Desk 4', '', `{ password: "${planted[0]}" }`));
  r.write('extensions/6004.yaml', ext(6004, 'Turret Desk 5', '', '{ password: "Kept-Same-6004-pass" }'));
  r.commit('plant');
  r.write('extensions/6003.yaml', ext(6003, 'Turret Desk 4', '', `{ password: "${planted[1]}" }`));
  r.write('extensions/6004.yaml', ext(6004, 'Turret Desk Five', '', '{ password: "Kept-Same-6004-pass" }'));
  r.commit('rotate');
  for (const format of ['text', 'markdown', 'json']) {
    const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', format);
    assert.is(p.code, 0, p.err);
    assert.match(p.out, /6003 password changed|"kind": "password"/, format);
    for (const secret of [...planted, 'Xy7\\;planted-NEW-pass', 'Kept-Same-6004-pass', 'Maja1234']) {
      assert.not.ok(p.out.includes(secret) || p.err.includes(secret), `${format} shows a password`);
    }
    assert.not.match(p.out, /passwordFingerprint/);
    for (const pw of planted) assert.not.ok(p.out.includes(fingerprint('6003', pw)), 'no password fingerprint either');
  }
  const text = (await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD')).out;
  assert.match(text, /^~ 6003 password changed$/m);
  assert.match(text, /^-inbound_auth\/password = \(secret\)$|^ inbound_auth\/password = \(secret\)$/m);
});

test('a base that does not compile: one line, then the head as everything added, with its diagnostics', async () => {
  const r = repo();
  r.write('extensions/6001.yaml', 'extension: 6001\nname: [broken\n');
  r.commit('broken base');
  r.write('extensions/6001.yaml', ext(6001, 'Turret Desk 2'));
  r.commit('fixed');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode');
  assert.is(p.code, 2, p.err);
  assert.match(p.out, /^base HEAD~1 does not compile \(1 error\): showing head as if everything were added$/m);
  assert.match(p.out, /^24 added, 0 removed, 0 changed/m);
  assert.match(p.out, /^\+ 6000 webrtc "Turret Desk 1"$/m);
  assert.match(p.out, /^6000\.yaml:4:\d+  PLAINTEXT_PASSWORD  warning/m, 'head diagnostics follow');
});

test('a base without an extensions folder: everything added, warnings only counted', async () => {
  const r = repo();
  gitSync(r.dir, ['rm', '-r', '--quiet', 'extensions']);
  r.commit('no extensions yet');
  cpSync(join(ROOT, 'extensions'), join(r.dir, 'extensions'), { recursive: true });
  r.commit('extensions again');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode');
  assert.is(p.code, 2, p.err);
  assert.match(p.out, /^base HEAD~1 has no extensions folder: everything in head is added$/m);
  assert.match(p.out, /^24 added, 0 removed, 0 changed \(0 → 24 extensions\)$/m);
  assert.match(p.out, /^head has 24 warnings/m);
  assert.not.match(p.out, /PLAINTEXT_PASSWORD/);
  const colored = await runCliInProcess(['plan', '--repo', r.dir, '--base', 'HEAD~1', '--head', 'HEAD'],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.match(colored.stdout, /\u001b\[32m\+ 6000 webrtc "Turret Desk 1"\u001b\[0m/);
});

test('a head that does not compile: its diagnostics at file:line:col, exit 1', async () => {
  const r = repo();
  r.write('extensions/6001.yaml', ext(6001, 'Turret Desk 2', 'options:\n  endpoint/media_encryption: maybe\n'));
  const p = await plan(r.dir, '--base', 'HEAD', '--detailed-exitcode');
  assert.is(p.code, 1);
  assert.match(p.err, /extensions\/6001\.yaml:6:30  BAD_VALUE  error/);
  assert.match(p.err, /work tree does not compile/);
  assert.is(p.out, '');
  const md = await plan(r.dir, '--base', 'HEAD', '--format', 'markdown');
  assert.is(md.code, 1);
  assert.match(md.out, /^\*\*work tree does not compile\*\* \(1 error\)/);
  assert.match(md.out, /^6001\.yaml:6:30  BAD_VALUE  error/m);
});

test('a README-only change is no change; usage errors and unknown revisions exit 1 with --detailed-exitcode', async () => {
  const r = repo();
  r.write('README.md', '# PBX extensions\n\nNow with a longer introduction.\n');
  r.commit('docs');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--detailed-exitcode', '--format', 'markdown');
  assert.is(p.code, 0, p.err);
  assert.match(p.out, /^\*\*no change\*\*/m);
  assert.not.match(p.out, /<details>/);
  assert.is((await plan(r.dir, '--base', 'no-such-rev', '--detailed-exitcode')).code, 1);
  assert.is((await plan(r.dir, '--detailed-exitcode')).code, 1, 'missing --base');
  assert.is((await plan(r.dir)).code, 2, 'missing --base without --detailed-exitcode is a usage error');
});

test('markdown: summary line first, the list, then the diff in <details>', async () => {
  const r = repo();
  r.write('extensions/6002.yaml', ext(6002, 'Dealer `Desk`'));
  r.write('extensions/6019.yaml', null);
  r.commit('md');
  const p = await plan(r.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown');
  assert.is(p.code, 0, p.err);
  const lines = p.out.split('\n');
  const summary = 0;
  assert.match(lines[summary]!, /^\*\*0 added, 1 removed, 1 changed\*\* · /, 'the summary line comes first');
  assert.ok(lines.includes('- `` ~ 6002 callerid "Turret Desk 3" → "Dealer `Desk`" ``'), 'backticks in a name survive');
  const details = lines.indexOf('<details><summary>pjsip_wizard.conf diff</summary>');
  assert.ok(details > summary);
  assert.is(lines[details + 2], '```diff');
  assert.match(lines[details + 3]!, /^--- a\/pjsip_wizard\.conf/);
  assert.ok(lines.includes('</details>'));
});

test('a long plan is cut to fit a pull request comment; a slow diff falls back to a summary', async () => {
  const sources = await readExtensionsDir(join(ROOT, 'extensions'));
  const head = { label: 'head', sources, result: compile(sources) };
  const plan = buildPlan({ label: 'base', sources: [] }, head);
  const full = renderMarkdown(plan);
  const cut = renderMarkdown(plan, 3000);
  assert.ok(full.length > 3000);
  assert.ok(cut.length <= 3000, `cut plan is ${cut.length} characters`);
  assert.match(cut, /diff cut: \d+ more lines|and \d+ more/);

  const other = sources.map((s) => (s.path === '6001.yaml' ? { ...s, text: s.text.replace('Turret Desk 2', 'Desk Two') } : s));
  const slow = buildPlan({ label: 'base', sources, result: compile(sources) }, { label: 'head', sources: other, result: compile(other) },
    { diffTimeoutMs: -1 }); // an already expired limit: the diff gives up at its first step
  assert.is(slow.diff, undefined);
  assert.match(slow.diffNote ?? '', /left out/);
  assert.equal(slow.changes.changed.map((c) => c.number), ['6001']);
});

test('the last redaction pass knows passwords of files that do not even parse, in every written form', () => {
  const broken = { path: '6003.yaml', text: 'extension: 6003\nauth: { password: "Broken;File-Pass" }\nname: [oops\n' };
  const fine = { path: '6004.yaml', text: ext(6004, 'Desk', '', '{ password: Fine-File-Pass }') };
  const redact = redactor(sourcePasswords([broken, fine]));
  assert.is(redact('a Broken;File-Pass b Broken\\;File-Pass c Fine-File-Pass'), 'a (secret) b (secret) c (secret)');
  assert.is(redact('6003 and 1234 stay'), '6003 and 1234 stay');
});

test.run();
