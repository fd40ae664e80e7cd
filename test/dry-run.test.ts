// `apply --dry-run` shows the change it would make — the plan's change lines (the live file read back
// beside the commit) and the redacted diff of the live file — with `--detailed-exitcode` answering as
// `terraform plan -detailed-exitcode` (0 nothing to do, 2 changes, 1 error). Real git remote, real
// files, the fake Asterisk; distinctive passwords planted on both sides never reach the output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess } from './helpers/cli.js';
import { passFixture, SHIPPED, type PassFixture } from './helpers/pass-fixture.js';

const OLD_PW = 'Dry-Old-Pw-Qz4v';
const NEW_PW = 'Dry-New-Pw-Hk8w';
const ADDED_PW = 'Dry-Added-Pw-Lm2r';
const HAND_PW = 'Dry-Hand-Pw-Tp6y';
const PLANTED = [OLD_PW, NEW_PW, ADDED_PW, HAND_PW, 'Maja1234']; // the last: the shipped extensions' dev password

const ext = (n: number, name: string, pw: string, extra = '') => `extension: ${n}\nname: ${name}\n${extra}auth: { password: ${pw} }\n`;
// 6000–6009 may also be softphones, and softphones run to 6029, so that 6005 can move and 6024 be added
const site = () => readFileSync(join(SHIPPED, 'site.yaml'), 'utf8')
  .replace('{ from: 6000, to: 6009, templates: [webrtc]', '{ from: 6000, to: 6009, templates: [webrtc, softphone]')
  .replace('{ from: 6010, to: 6023, templates: [softphone]', '{ from: 6010, to: 6029, templates: [softphone]');

let f: PassFixture;
let config = '';
test.after(() => f?.cleanup());

interface Preview { lines: string[]; diff: string; changes: { added: { number: string }[]; removed: { number: string }[]; changed: { number: string }[] } }
interface Json { result: string; reason: string; preview?: Preview }

async function apply(...args: string[]) {
  const r = await runCliInProcess(['apply', '--config', config, ...args]);
  for (const pw of PLANTED) {
    assert.not.ok(r.stdout.includes(pw), `apply ${args.join(' ')} printed a password on stdout:\n${r.stdout}`);
    assert.not.ok(r.stderr.includes(pw), `apply ${args.join(' ')} printed a password on stderr`);
  }
  return r;
}

test('a commit that adds, moves, removes and re-keys extensions: the dry run lists each, diffs the live file, exits 2', async () => {
  f = await passFixture({ files: { 'extensions/site.yaml': site(), 'extensions/6003.yaml': ext(6003, 'Turret Desk 4', OLD_PW) } });
  config = f.writeConfigFile();
  const first = await apply('--quiet');
  assert.is(first.code, 0, first.stdout + first.stderr);
  f.remote.commit({
    'extensions/6024.yaml': ext(6024, 'Reception', ADDED_PW),
    'extensions/6005.yaml': ext(6005, 'Turret Desk 6', 'Maja1234', 'template: softphone\n'),
    'extensions/6019.yaml': null,
    'extensions/6003.yaml': ext(6003, 'Turret Desk 4', NEW_PW),
  }, 'reception, 6005 to a softphone, 6019 gone, 6003 re-keyed');
  const before = f.live();

  const json = await apply('--dry-run', '--detailed-exitcode', '--format', 'json');
  assert.is(json.code, 2, json.stdout + json.stderr);
  const r = JSON.parse(json.stdout) as Json;
  assert.equal([r.result, r.reason], ['dry-run', 'DryRun']);
  const p = r.preview!;
  assert.equal(p.changes.added.map((a) => a.number), ['6024']);
  assert.equal(p.changes.removed.map((a) => a.number), ['6019']);
  assert.equal(p.changes.changed.map((a) => a.number), ['6003', '6005']);
  assert.ok(p.lines.includes('+ 6024 softphone "Reception"'), p.lines.join('\n'));
  assert.ok(p.lines.includes('~ 6005 template webrtc → softphone'), p.lines.join('\n'));
  assert.ok(p.lines.includes('~ 6003 password changed'), p.lines.join('\n'));
  assert.ok(p.lines.some((l) => l.startsWith('- 6019 ')), p.lines.join('\n'));
  // the diff is the live file's, with passwords as (secret)
  assert.match(p.diff, /^\+\[6024\]\(pjsip-gitops-defaults,softphone\)$/m);
  assert.match(p.diff, /^-\[6019\]/m);
  assert.match(p.diff, /inbound_auth\/password = \(secret\)/);
  assert.ok(f.live()!.equals(before!), 'a dry run writes nothing');
  assert.is(await f.fake.reloadCount(), 1, 'a dry run reloads nothing');

  const text = await apply('--dry-run', '--detailed-exitcode', '--quiet');
  assert.is(text.code, 2);
  for (const line of p.lines) assert.ok(text.stdout.includes(line), `text output lacks '${line}'`);
  assert.match(text.stdout, /^\+\[6024\]/m);
  // without the flag, a dry run is Ready as before
  assert.is((await apply('--dry-run', '--quiet')).code, 0);
});

test('drift by hand (a password changed in the live file): the dry run shows it, redacted', async () => {
  const live = f.live()!.toString('utf8');
  writeFileSync(f.liveFile, live.replace(/(\[6001\][^[]*inbound_auth\/password = )\S+/, `$1${HAND_PW}`));
  const r = await apply('--dry-run', '--detailed-exitcode', '--format', 'json', '--quiet');
  assert.is(r.code, 2, r.stdout);
  const p = (JSON.parse(r.stdout) as Json).preview!;
  assert.ok(p.lines.includes('~ 6001 password changed'), p.lines.join('\n'));
  writeFileSync(f.liveFile, live);
});

test('--detailed-exitcode: 0 when there is nothing to do, 1 on an error; it goes with --dry-run only', async () => {
  const real = await apply('--quiet');
  assert.is(real.code, 0, real.stdout);
  const none = await apply('--dry-run', '--detailed-exitcode', '--format', 'json', '--quiet');
  assert.is(none.code, 0, none.stdout);
  assert.is((JSON.parse(none.stdout) as Json).result, 'unchanged');

  f.remote.commit({ 'extensions/6003.yaml': `${ext(6003, 'x', NEW_PW)}bogus: 1\n` }, 'does not compile');
  const broken = await apply('--dry-run', '--detailed-exitcode', '--format', 'json', '--quiet');
  assert.is(broken.code, 1, broken.stdout);
  assert.is((JSON.parse(broken.stdout) as Json).reason, 'CompileFailed');

  assert.is((await apply('--detailed-exitcode', '--quiet')).code, 2, 'usage error without --dry-run');
});

test.run();
