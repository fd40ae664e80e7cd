// The pass with host secrets and signature checks wired in from the config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecrets } from '../reconciler/secrets/store.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const fixtures: PassFixture[] = [];
test.after(() => { for (const f of fixtures) f.cleanup(); });

const secretExt = (n: number) => `extension: ${n}\nname: Secret Desk\nauth: { secret: desk-${n} }\n`;

test('{ secret } passwords are generated into the host secrets file, written to the live file, and never logged', async () => {
  const f = await passFixture({
    files: { 'extensions/6010.yaml': secretExt(6010), 'extensions/6011.yaml': secretExt(6011) },
    config: {},
  });
  fixtures.push(f);
  const secretsFile = join(f.root, 'host-secrets.yaml');
  f.config.secrets = { file: secretsFile };
  // rebuild the deps so the resolver is loaded from the config
  const { loadPassDeps } = await import('../reconciler/pass.js');
  const { createLogger } = await import('../reconciler/log.js');
  const { LocalTarget } = await import('../reconciler/targets/local.js');
  const { runPass } = await import('../reconciler/pass.js');
  const lines: string[] = [];
  const deps = await loadPassDeps(f.config, { log: createLogger({ write: (l) => { lines.push(l); } }), target: new LocalTarget() });
  // a missing secrets file is never created: a mistyped path must not give every phone a new password
  const missing = await runPass(deps, { trigger: 'test' });
  assert.is(missing.result, 'stalled', missing.message);
  assert.is(missing.reason, 'SecretsUnresolved');
  assert.match(missing.message, 'does not exist');
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
  writeFileSync(secretsFile, '', { mode: 0o600 });
  const r = await runPass(deps, { trigger: 'test' });
  assert.is(r.result, 'applied', r.message);
  const secrets = parseSecrets(readFileSync(secretsFile, 'utf8'), secretsFile);
  const pw = secrets.get('desk-6010');
  assert.ok(pw && pw.length >= 16, 'a strong password was generated');
  assert.is(statSync(secretsFile).mode & 0o777, 0o600);
  assert.ok(f.live()!.toString().includes(`inbound_auth/password = ${pw}`));
  assert.not.ok(lines.join('').includes(pw!), 'the generated password is in no log line');
  assert.ok(lines.some((l) => l.includes('"secrets.generated"')));
  // the next passes change nothing (the secrets file changed once: at most one recompile)
  assert.is((await runPass(deps, { trigger: 'test' })).result, 'unchanged');
  const third = await runPass(deps, { trigger: 'test' });
  assert.is(third.result, 'unchanged');
  assert.not.ok(third.steps?.some((s) => s.name === 'compile'), 'no recompile when neither commit nor secrets changed');
  // a changed secret is a change Asterisk sees
  writeFileSync(secretsFile, readFileSync(secretsFile, 'utf8').replace(pw!, 'Another-Strong-Passw0rd-1'), { mode: 0o600 });
  const changed = await runPass(deps, { trigger: 'test' });
  assert.is(changed.result, 'applied', changed.message);
  assert.equal(changed.changes?.changed, ['6010']);
});

test('an { encrypted } password this host cannot open: Stalled SecretsUnresolved, nothing written', async () => {
  const armored = '-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBub3RoaW5nCg==\n-----END AGE ENCRYPTED FILE-----\n';
  const f = await passFixture({ files: { 'extensions/6012.yaml': `extension: 6012\nname: Sealed\nauth:\n  encrypted: |\n${armored.split('\n').map((l) => `    ${l}`).join('\n')}\n` } });
  fixtures.push(f);
  const r = await f.pass();
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.reason, 'SecretsUnresolved');
  assert.is(r.condition, 'Stalled');
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
});

test('source.verify: an unsigned commit is Stalled SignatureInvalid and not deployed', async () => {
  const f = await passFixture();
  fixtures.push(f);
  const signers = join(f.root, 'allowed_signers');
  writeFileSync(signers, '');
  f.config.source.verify = { allowedSignersFile: signers };
  const { loadPassDeps, runPass } = await import('../reconciler/pass.js');
  const { LocalTarget } = await import('../reconciler/targets/local.js');
  const { silentLogger } = await import('../reconciler/log.js');
  const deps = await loadPassDeps(f.config, { log: silentLogger(), target: new LocalTarget() });
  const r = await runPass(deps, { trigger: 'test' });
  assert.is(r.result, 'stalled', r.message);
  assert.is(r.reason, 'SignatureInvalid');
  assert.match(r.message, /not signed by a trusted key/);
  assert.is(f.live(), null);
  assert.is(await f.fake.reloadCount(), 0);
});

test.run();
