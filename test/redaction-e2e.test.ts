// Every CLI command (in-process; the reconcile loop as a real process), with distinctive passwords and
// an age identity planted: none of them may appear on stdout or stderr, except where a command exists
// to print one (compile without --redact, secrets get). Files that legitimately hold them (the live
// file, backups, secrets files) are named below and their mode is checked instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecrets } from '../reconciler/secrets/store.js';
import { cliArgv, runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';
import { passFixture, SHIPPED, type PassFixture } from './helpers/pass-fixture.js';

const DEV_PW = ['Dev-Plain-Pw-Kq7x', 'Dev-Plain-Pw-Zr4m', 'Dev-Plain-Pw-Wb9n'];
const SHIPPED_PW = 'Maja1234';
const HOST_PW = 'Host-File-Pw-Jd5t';
const SEALED_PW = 'Age-Sealed-Pw-Hv2c';
const HAND_PW = 'Hand-Edit-Pw-Ux8p';
const NEW_PW = 'New-Cli-Pw-Ls3f';
const OUT_PW = ['Out-Auth-Pw-Gy6e', 'Out-Auth-Pw-Tc1o']; // outbound_auth/password, set under options:
const URL_PW = 'Url-Token-Pw-Nb3q'; // in a git remote's URL
const AUTH_PW = 'Hunter2xyz'; // under auth: with a mistyped key
const AGE_PREFIX = 'AGE-SECRET-KEY-1';
/** learnt on the way: the age identity line, the password the host generates for desk-6012 */
const learnt: string[] = [];
const planted = () => [...DEV_PW, SHIPPED_PW, HOST_PW, SEALED_PW, HAND_PW, NEW_PW, ...OUT_PW, URL_PW, AUTH_PW, AGE_PREFIX, ...learnt];

interface Run { what: string; code: number | null; stdout: string; stderr: string; allowed: string[] }
const runs: Run[] = [];

/** One CLI run (in-process); `allowed` lists the secrets this command may print on stdout (never on stderr). */
async function cli(args: string[], opts: { input?: string; allowed?: string[] } = {}): Promise<Run> {
  const r = await runCliInProcess(args, {
    input: opts.input ?? '',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', LANG: 'C.UTF-8' },
  });
  const run: Run = { what: args.join(' '), code: r.code, stdout: r.stdout, stderr: r.stderr, allowed: opts.allowed ?? [] };
  runs.push(run);
  assertClean(run);
  return run;
}

function assertClean(r: Run): void {
  for (const s of planted()) {
    assert.not.ok(r.stderr.includes(s), `'${r.what}' printed a secret on stderr (${s.slice(0, 6)}…):\n${r.stderr}`);
    if (!r.allowed.includes(s)) assert.not.ok(r.stdout.includes(s), `'${r.what}' printed a secret on stdout (${s.slice(0, 6)}…):\n${r.stdout}`);
  }
}

function assertNoSecretIn(text: string, what: string): void {
  for (const s of planted()) assert.not.ok(text.includes(s), `${what} holds a secret (${s.slice(0, 6)}…)`);
}

const ext = (n: number, name: string, auth: string, extra = '') =>
  `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: ${name}\nauth: ${auth}\n${extra}`;
const hostSecret = (out: string) => ext(6010, 'Host Secret', '{ secret: desk-6010 }', `options:\n  outbound_auth/password: ${out}\n`);
const plain = (pw: string, extra = '') => ext(6001, 'Turret Desk 2', `{ password: ${pw} }`, extra);
// errors on the password's own line, and an alias of it
const broken = ext(6001, 'Turret Desk 2', `{ password: &pw ${DEV_PW[2]}, pin: ${DEV_PW[2]} }`, 'bogus_key: *pw\n');

let keyDir = '';
let f: PassFixture;
let secretsFile = '';
let config = '';
let work = '';
test.after(() => {
  f?.cleanup();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

test('secrets keygen, recipient and encrypt print no identity and no password', async () => {
  keyDir = tempDir('pjsip-gitops-redact-');
  const identity = join(keyDir, 'age.key');
  const keygen = await cli(['secrets', 'keygen', '--out', identity]);
  assert.is(keygen.code, 0, keygen.stderr);
  const id = readFileSync(identity, 'utf8').split('\n').find((l) => l.startsWith(AGE_PREFIX));
  assert.ok(id, 'the identity file holds an AGE-SECRET-KEY line');
  learnt.push(id!);
  assert.is(statSync(identity).mode & 0o777, 0o600);
  const recipient = keygen.stdout.trim();
  assert.match(recipient, /^age1/);
  assert.is((await cli(['secrets', 'recipient', '--identity', identity])).stdout.trim(), recipient);
  // the identity pasted where a path or a recipient belongs is refused without being echoed
  assert.is((await cli(['secrets', 'recipient', '--identity', learnt[0]!])).code, 1);
  assert.match((await cli(['secrets', 'encrypt', '--recipient', learnt[0]!], { input: 'x\n' })).stderr, 'where a recipient (age1…) belongs');

  const site = readFileSync(join(SHIPPED, 'site.yaml'), 'utf8') + `age_recipients: [${recipient}]\n`;
  writeFileSync(join(keyDir, 'site.yaml'), site);
  const sealed = await cli(['secrets', 'encrypt', '--site', join(keyDir, 'site.yaml')], { input: `${SEALED_PW}\n` });
  assert.is(sealed.code, 0, sealed.stderr);
  assert.match(sealed.stdout, /^auth:\n  encrypted: \|\n    -----BEGIN AGE ENCRYPTED FILE-----/);
  writeFileSync(join(keyDir, '6011.yaml'), sealed.stdout);
  writeFileSync(join(keyDir, 'host-secrets.yaml'), `desk-6010: ${JSON.stringify(HOST_PW)}\n`, { mode: 0o600 });
});

test('validate and compile: diagnostics never show a password; only compile without --redact prints them', async () => {
  f = await passFixture({ files: {
    'extensions/site.yaml': readFileSync(join(keyDir, 'site.yaml'), 'utf8'),
    'extensions/6001.yaml': plain(DEV_PW[0]!),
    'extensions/6010.yaml': hostSecret(OUT_PW[0]!),
    'extensions/6011.yaml': `extension: 6011\nname: Sealed\n${readFileSync(join(keyDir, '6011.yaml'), 'utf8')}`,
    'extensions/6012.yaml': ext(6012, 'Generated', '{ secret: desk-6012 }'),
  } });
  work = f.remote.work;
  secretsFile = join(f.root, 'host-secrets.yaml');
  cpSync(join(keyDir, 'host-secrets.yaml'), secretsFile);
  config = f.writeConfigFile(`secrets: { file: ${JSON.stringify(secretsFile)}, ageIdentity: ${JSON.stringify(join(keyDir, 'age.key'))} }`);
  const dir = join(work, 'extensions');
  for (const format of ['text', 'json', 'github']) {
    const r = await cli(['validate', dir, '--format', format]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes('PLAINTEXT_PASSWORD'), `${format}: the dev password is reported`);
  }
  const redacted = await cli(['compile', dir, '--redact']);
  assert.is(redacted.code, 0, redacted.stderr);
  assert.match(redacted.stdout, 'inbound_auth/password = (secret)');
  assert.match(redacted.stderr, 'PLAINTEXT_PASSWORD');
  // the file itself, to stdout: the plaintext passwords belong there; host secrets cannot be opened here
  const conf = await cli(['compile', dir], { allowed: [DEV_PW[0]!, SHIPPED_PW, OUT_PW[0]!] });
  assert.is(conf.code, 0, conf.stderr);
  assert.match(conf.stdout, `inbound_auth/password = ${DEV_PW[0]}`);
  assert.match(conf.stdout, `outbound_auth/password = ${OUT_PW[0]}`);
  assert.match(redacted.stdout, 'outbound_auth/password = (secret)');
  for (const format of ['json', 'github']) assert.is((await cli(['compile', dir, '--redact', '--format', format])).code, 0);
});

test('validate, compile and plan of a broken file: the error line with the password is redacted', async () => {
  writeFileSync(join(work, 'extensions', '6001.yaml'), broken);
  for (const format of ['text', 'json', 'github']) assert.is((await cli(['validate', join(work, 'extensions'), '--format', format])).code, 1);
  const compiled = await cli(['compile', join(work, 'extensions')]);
  assert.is(compiled.code, 1);
  assert.match(compiled.stderr, 'SCHEMA_UNKNOWN_KEY');
  const plan = await cli(['plan', '--repo', work, '--base', 'HEAD']);
  assert.is(plan.code, 1);
  assert.match(plan.stderr, 'SCHEMA_UNKNOWN_KEY');
  writeFileSync(join(work, 'extensions', '6001.yaml'), plain(DEV_PW[0]!));
});

test('new: with a secret, with a dev --password, and a taken number', async () => {
  const copy = join(f.root, 'new-ext');
  cpSync(join(work, 'extensions'), copy, { recursive: true });
  assert.is((await cli(['new', '7001', '--name', 'Reception', '--template', 'softphone', '--dir', copy])).code, 0);
  const pw = await cli(['new', '7002', '--name', 'Lab', '--password', NEW_PW, '--dir', copy]);
  assert.is(pw.code, 0, pw.stderr);
  assert.match(pw.stderr, 'PLAINTEXT_PASSWORD');
  assert.match(readFileSync(join(copy, '7002.yaml'), 'utf8'), NEW_PW);
  assert.is((await cli(['new', '6001', '--name', 'Taken', '--password', NEW_PW, '--dir', copy])).code, 1);
  assert.is((await cli(['validate', copy])).code, 0);
});

test('apply: the first pass opens every kind of secret and prints none', async () => {
  // first with the identity itself where its path belongs: refused, and not repeated in the message
  const pasted = join(f.root, 'pasted.yaml');
  writeFileSync(pasted, readFileSync(config, 'utf8').replace(join(keyDir, 'age.key'), learnt[0]!));
  const refused = await cli(['apply', '--config', pasted, '--format', 'json']);
  assert.is(JSON.parse(refused.stdout).reason, 'SecretsUnresolved', refused.stdout);
  assert.match(refused.stderr, '"secrets.generated"'); // desk-6012, generated and saved before the stop
  const r = await cli(['apply', '--config', config]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, 'Ready: applied');
  const live = f.live()!.toString();
  for (const s of [DEV_PW[0]!, HOST_PW, SEALED_PW]) assert.ok(live.includes(`inbound_auth/password = ${s}`), 'resolved on the host');
  const generated = parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile).get('desk-6012');
  assert.ok(generated && live.includes(generated), 'desk-6012 was generated and deployed');
  learnt.push(generated!);
});

test('plan between two commits: "password changed", no password, in every format', async () => {
  f.remote.commit({ 'extensions/6001.yaml': plain(DEV_PW[1]!), 'extensions/6010.yaml': hostSecret(OUT_PW[1]!) }, 'new passwords');
  for (const format of ['text', 'markdown', 'json']) {
    const r = await cli(['plan', '--repo', work, '--base', 'HEAD~1', '--head', 'HEAD', '--format', format]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /6001[^\n]*password|"password"/);
    if (format !== 'json') assert.match(r.stdout, /6010[^\n]*password changed/);
  }
  assert.is((await cli(['plan', '--repo', work, '--base', 'HEAD~1'])).code, 0);
});

test('apply json with a change, backups are 0600, then drift corrected and drift reported', async () => {
  const r = await cli(['apply', '--config', config, '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).changes.changed, ['6001', '6010']);
  const backups = join(f.stateDir, 'backups');
  const names = readdirSync(backups);
  assert.ok(names.length >= 1, 'the previous live file was backed up');
  for (const n of names) assert.is(statSync(join(backups, n)).mode & 0o777, 0o600, `${n} is private`);
  // a backup is the live file as it was: it legitimately holds the passwords
  assert.ok(names.some((n) => readFileSync(join(backups, n), 'utf8').includes(HOST_PW)));

  // a password-only edit diffs as nothing, (secret) either side: a comment next to it shows the hunk
  const handEdit = () => writeFileSync(f.liveFile, f.live()!.toString()
    .replace(`inbound_auth/password = ${HOST_PW}`, `inbound_auth/password = ${HAND_PW}\n; edited by hand`));
  handEdit();
  const corrected = await cli(['apply', '--config', config]);
  assert.is(corrected.code, 0, corrected.stderr);
  assert.match(corrected.stdout, 'DriftCorrected');
  assert.match(corrected.stderr, '"drift.detected"');
  assert.match(corrected.stderr, /[-+]; edited by hand/);
  assert.match(corrected.stderr, 'inbound_auth/password = (secret)');
  handEdit();
  const reportConfig = join(f.root, 'report.yaml');
  writeFileSync(reportConfig, readFileSync(config, 'utf8') + 'drift: { mode: report }\n');
  const reported = await cli(['apply', '--config', reportConfig, '--format', 'json']);
  assert.is(reported.code, 1, reported.stderr);
  assert.is(JSON.parse(reported.stdout).reason, 'DriftDetected');
  assert.match(reported.stderr, '"drift.detected"');
});

test('apply: a failed reload and a failed verify roll back, and say so without a password', async () => {
  f.remote.commit({ 'extensions/6001.yaml': broken }, 'a broken 6001');
  const stalled = await cli(['apply', '--config', config, '--format', 'json']);
  assert.is(stalled.code, 1, stalled.stderr);
  assert.is(JSON.parse(stalled.stdout).reason, 'CompileFailed');
  assert.ok(JSON.parse(stalled.stdout).diagnostics.length >= 2);
  f.remote.commit({ 'extensions/6001.yaml': plain(DEV_PW[2]!) }, 'another password for 6001');
  f.fake.setMode({ booting: true });
  const booting = await cli(['apply', '--config', config]);
  assert.is(booting.code, 3, booting.stdout + booting.stderr);
  assert.match(booting.stdout, 'its reload failed too');
  assert.match(booting.stderr, '"rollback.done"');
  f.fake.setMode({ booting: false, dropSections: ['6001'] });
  const dropped = await cli(['apply', '--config', config, '--format', 'json']);
  assert.is(dropped.code, 1, dropped.stdout + dropped.stderr);
  assert.is(JSON.parse(dropped.stdout).reason, 'VerifyFailed');
  assert.match(JSON.parse(dropped.stdout).message, /restored the (previous|last verified) file .*and reloaded it/);
  // the rollback goes to the last content that verified: neither the unverified hand edit nor the failed commit
  assert.not.ok(f.live()!.toString().includes(HAND_PW), 'the hand edit never verified: it is not the rollback target');
  assert.not.ok(f.live()!.toString().includes(DEV_PW[2]!), 'the failed content is not left live');
  for (const format of ['text', 'json']) assert.is((await cli(['status', '--config', config, '--format', format])).code, 1);
  f.fake.setMode({ dropSections: [] });
  assert.is((await cli(['apply', '--config', config, '--dry-run'])).code, 0);
  assert.is((await cli(['apply', '--config', config])).code, 0);
  assert.ok(f.live()!.toString().includes(DEV_PW[2]!));
});

test('reconcile: a pass with a drift diff in the event lines, then SIGTERM', async () => {
  writeFileSync(f.liveFile, f.live()!.toString().replace(`inbound_auth/password = ${SEALED_PW}`, `inbound_auth/password = ${HAND_PW}`));
  // a real process: the loop stops on SIGTERM
  const child = spawn(process.execPath, cliArgv(['reconcile', '--config', config]),
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    for (let i = 0; i < 300 && !stdout.includes('"pass.done"'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stdout, '"pass.done"');
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    const run: Run = { what: 'reconcile', code, stdout, stderr, allowed: [] };
    runs.push(run);
    assertClean(run);
    assert.is(code, 0, stderr);
  }
  assert.match(stdout, '"drift.detected"');
});

test('status, the status file, secrets get and import', async () => {
  for (const format of ['text', 'json']) assert.is((await cli(['status', '--config', config, '--format', format])).code, 0);
  const statusText = readFileSync(join(f.stateDir, 'status.json'), 'utf8');
  assert.match(statusText, 'VerifyFailed');
  assertNoSecretIn(statusText, 'status.json');

  const got = await cli(['secrets', 'get', 'desk-6010', '--file', secretsFile], { allowed: [HOST_PW] });
  assert.is(got.stdout, `${HOST_PW}\n`);
  assert.is((await cli(['secrets', 'get', 'nosuch', '--file', secretsFile])).code, 1);

  const imported = join(f.root, 'imported');
  const importSecrets = join(f.root, 'imported-secrets.yaml');
  // the live file as a hand-made one would be: inbound passwords only (a credential under options: is
  // refused in production, which import writes)
  const wizard = join(f.root, 'hand-made.conf');
  writeFileSync(wizard, f.live()!.toString().replace(/^outbound_auth\/password = .*\n/m, ''));
  const r = await cli(['import', wizard, '--out', imported, '--secrets-file', importSecrets]);
  assert.is(r.code, 0, r.stderr);
  assert.is(statSync(importSecrets).mode & 0o777, 0o600);
  const moved = readFileSync(importSecrets, 'utf8');
  for (const s of [DEV_PW[2]!, HOST_PW, SEALED_PW, learnt[1]!]) assert.ok(moved.includes(s), 'the password moved to the secrets file');
  for (const n of readdirSync(imported)) assertNoSecretIn(readFileSync(join(imported, n), 'utf8'), `imported ${n}`);
  // import writes a production site: the runbook's ws transport for browsers is its one error there
  const checked = await cli(['validate', imported, '--format', 'json']);
  assert.is(checked.code, 1, checked.stderr);
  const codes = new Set((JSON.parse(checked.stdout).diagnostics as { code: string; severity: string }[])
    .filter((d) => d.severity === 'error').map((d) => d.code));
  assert.equal([...codes], ['WEBRTC_NOT_WSS']);
});

test('a git remote with credentials in its URL: the failed fetch is reported without them', async () => {
  for (const userinfo of [`deploy:${URL_PW}`, URL_PW]) {
    const remote = join(f.root, 'url-remote.yaml');
    writeFileSync(remote, readFileSync(config, 'utf8').replace(/^source: .*$/m, `source: { repo: "https://${userinfo}@127.0.0.1:9/x.git" }`)
      .replace(/^stateDir: .*$/m, `stateDir: ${JSON.stringify(join(f.root, 'url-state'))}`));
    const r = await cli(['apply', '--config', remote]);
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, 'FetchFailed');
    assert.is((await cli(['status', '--config', remote, '--format', 'json'])).code, 1);
    assertNoSecretIn(readFileSync(join(f.root, 'url-state', 'status.json'), 'utf8'), 'status.json');
  }
});

test('validate: any value under auth: (a mistyped key, flow or block) is (secret) in every format, the error still at the key', async () => {
  const dir = tempDir('pjsip-gitops-auth-');
  try {
    writeFileSync(join(dir, 'site.yaml'), readFileSync(join(SHIPPED, 'site.yaml'), 'utf8'));
    const files: Record<string, [string, string, string][]> = { // file → [code, line:col, text there]
      '6001.yaml': [['SCHEMA_UNKNOWN_KEY', '4:9', 'pass']],
      '6002.yaml': [['SCHEMA_UNKNOWN_KEY', '5:3', 'passwd']],
      '6003.yaml': [['SCHEMA_SIZE', '4:7', '{secret'], ['SCHEMA_UNKNOWN_KEY', '4:19', 'extra']],
      '6004.yaml': [['SCHEMA_UNKNOWN_KEY', '4:9', AUTH_PW]], // a lone word: YAML reads a key
    };
    const texts: Record<string, string> = {
      '6001.yaml': ext(6001, 'A', `{ pass: ${AUTH_PW} }`),
      '6002.yaml': ext(6002, 'B', `\n  passwd: ${AUTH_PW}`),
      '6003.yaml': ext(6003, 'C', `{secret: 1, extra: ${AUTH_PW}}`),
      '6004.yaml': ext(6004, 'D', `{ ${AUTH_PW} }`),
    };
    for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
    for (const format of ['text', 'json', 'github']) {
      const r = await cli(['validate', dir, '--format', format]); // await cli() fails the test if AUTH_PW is printed
      assert.is(r.code, 1, r.stdout + r.stderr);
      for (const [name, want] of Object.entries(files)) {
        const lines = texts[name]!.split('\n');
        for (const [code, at, there] of want) {
          const [line, col] = at.split(':').map(Number) as [number, number];
          assert.is(lines[line - 1]!.slice(col - 1, col - 1 + there.length), there, `${name} ${at} is '${there}'`);
          const found = format === 'json'
            ? (JSON.parse(r.stdout) as { diagnostics: { file: string; code: string; line: number; col: number }[] }).diagnostics
              .some((d) => d.file.endsWith(name) && d.code === code && d.line === line && d.col === col)
            : format === 'github'
              ? r.stdout.split('\n').some((l) => l.includes(`${name},line=${line},col=${col},`) && l.includes(`title=${code}`))
              : r.stdout.split('\n').some((l) => l.includes(`${name}:${at}  ${code}`));
          assert.ok(found, `${format}: ${code} at ${name}:${at}\n${r.stdout}`);
        }
      }
      if (format === 'text') assert.ok(r.stdout.includes('auth: { pass: (secret) }') && r.stdout.includes('passwd: (secret)'), r.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every run, again, against every secret learnt on the way', () => {
  assert.ok(runs.length >= 35, `${runs.length} runs`);
  for (const r of runs) assertClean(r);
});

test.run();
