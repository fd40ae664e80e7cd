import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, durationMs, isRemoteUrl, loadConfig, parseConfig } from '../reconciler/config.js';
import { tempDir } from './helpers/git.js';

const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function problems(text: string): string[] {
  try {
    parseConfig(text, '/etc/pjsip-gitops/reconciler.yaml', 'reconciler.yaml');
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as ConfigError).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);
  }
  return [];
}

test('only source.repo is required; everything else has a default', () => {
  const c = parseConfig('source:\n  repo: https://git.example.invalid/pbx.git\n', '/etc/pjsip-gitops/reconciler.yaml');
  assert.is(c.source.repo, 'https://git.example.invalid/pbx.git');
  assert.is(c.source.branch, 'main');
  assert.is(c.source.extensionsPath, 'extensions');
  assert.is(c.source.intervalMs, 60_000);
  assert.is(c.source.jitter, 0.1);
  assert.is(c.stateDir, '/var/lib/pjsip-gitops');
  assert.is(c.source.checkoutDir, '/var/lib/pjsip-gitops/checkout');
  assert.equal(c.target, { kind: 'local', liveFile: '/etc/asterisk/pjsip_wizard.conf', mode: 0o640, strategy: 'file' });
  assert.equal(c.asterisk, { cli: ['asterisk', '-rx'], reload: ['asterisk', '-rx', 'module reload res_pjsip.so'], timeoutMs: 30_000 });
  assert.is(c.verify, true);
  // as written: site.yaml's guards decide, the host config can only tighten them
  assert.equal(c.guards, {});
  assert.equal(c.drift, { mode: 'correct' });
  assert.is(c.secrets, undefined);
  assert.is(c.source.verify, undefined);
});

test('relative paths resolve against the config file folder; URLs stay as written', () => {
  const c = parseConfig([
    'source: { repo: ../pbx-repo, interval: 5m, jitter: 0.5, verify: { allowedSignersFile: signers } }',
    'target: { kind: docker, container: asterisk, liveFile: live/pjsip_wizard.conf, mode: "0600" }',
    'asterisk: { timeout: 1500ms, reload: [asterisk, -rx, "module reload res_pjsip_config_wizard.so"] }',
    'stateDir: state',
    'secrets: { file: secrets.yaml, ageIdentity: /etc/pjsip-gitops/age.key }',
    'guards: { maxDeletions: 0, allowEmpty: true }',
    'drift: { mode: report }',
    'verify: false',
    'http: { listen: "127.0.0.1:9187" }',
  ].join('\n'), '/srv/conf/reconciler.yaml');
  assert.is(c.source.repo, '/srv/pbx-repo');
  assert.is(c.source.intervalMs, 300_000);
  assert.is(c.source.jitter, 0.5);
  assert.equal(c.source.verify, { allowedSignersFile: '/srv/conf/signers' });
  assert.equal(c.target, { kind: 'docker', container: 'asterisk', liveFile: '/srv/conf/live/pjsip_wizard.conf', mode: 0o600, strategy: 'file' });
  assert.is(c.asterisk.timeoutMs, 1500);
  assert.is(c.stateDir, '/srv/conf/state');
  assert.is(c.source.checkoutDir, '/srv/conf/state/checkout');
  assert.equal(c.secrets, { file: '/srv/conf/secrets.yaml', ageIdentity: '/etc/pjsip-gitops/age.key' });
  assert.equal(c.guards, { maxDeletions: 0, allowEmpty: true });
  assert.is(c.drift.mode, 'report');
  assert.is(c.verify, false);
  assert.equal(c.http, { listen: '127.0.0.1:9187' });
});

test('ssh target: the live file is a path on the PBX, the key a path here', () => {
  const c = parseConfig([
    'source: { repo: "git@git.example.invalid:pbx/extensions.git" }',
    'target: { kind: ssh, host: pbx.example.invalid, user: deploy, privateKey: keys/id_ed25519,',
    '  hostKeyFingerprint: "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", liveFile: asterisk/pjsip_wizard.conf }',
  ].join('\n'), '/srv/conf/reconciler.yaml');
  assert.is(c.source.repo, 'git@git.example.invalid:pbx/extensions.git');
  assert.is(c.target.liveFile, 'asterisk/pjsip_wizard.conf');
  assert.equal(c.target.ssh, { host: 'pbx.example.invalid', port: 22, user: 'deploy', privateKey: '/srv/conf/keys/id_ed25519',
    hostKeyFingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ' });
});

const cases: { name: string; given: string; want: string[] }[] = [
  { name: 'missing source', given: 'stateDir: /tmp/x\n', want: ['1:1 SCHEMA_REQUIRED'] },
  { name: 'unknown key at its line', given: 'source:\n  repo: x\n  brnach: main\n', want: ['3:3 SCHEMA_UNKNOWN_KEY'] },
  { name: 'unquoted octal mode is a number, not a mode', given: 'source: { repo: x }\ntarget:\n  mode: 0640\n', want: ['3:9 SCHEMA_TYPE'] },
  { name: 'bad target kind', given: 'source: { repo: x }\ntarget:\n  kind: kubernetes\n', want: ['3:9 SCHEMA_ENUM'] },
  { name: 'docker needs a container', given: 'source: { repo: x }\ntarget:\n  kind: docker\n', want: ['3:3 SCHEMA_REQUIRED'] },
  { name: 'bad duration', given: 'source: { repo: x, interval: soon }\n', want: ['1:30 SCHEMA_PATTERN'] },
  { name: 'negative maxDeletions', given: 'source: { repo: x }\nguards: { maxDeletions: -1 }\n', want: ['2:25 SCHEMA_RANGE'] },
  { name: 'http on a public address', given: 'source: { repo: x }\nhttp: { listen: "0.0.0.0:80" }\n', want: ['2:17 SCHEMA_PATTERN'] },
  { name: 'duplicate key', given: 'source: { repo: x }\nverify: true\nverify: false\n', want: ['3:1 DUPLICATE_KEY'] },
  // an unclosed brace is reported where it opens: the line to fix, not the end of the file
  { name: 'YAML syntax', given: 'source: { repo: x\n', want: ['1:9 YAML_SYNTAX'] },
];
for (const c of cases) {
  test(`rejected with a position: ${c.name}`, () => {
    const got = problems(c.given);
    assert.ok(got.length > 0, 'expected problems');
    // the code must match; the column may differ by the width of a quote in some cases
    assert.equal(got.map((g) => g.split(' ')[1]), c.want.map((w) => w.split(' ')[1]), got.join(', '));
    assert.equal(got.map((g) => g.split(':')[0]), c.want.map((w) => w.split(':')[0]), got.join(', '));
  });
}

test('loadConfig names the file in every message; a missing file is a ConfigError', async () => {
  const dir = tempDir();
  roots.push(dir);
  const path = join(dir, 'reconciler.yaml');
  writeFileSync(path, 'source:\n  repo: x\n  jitter: 3\n');
  try {
    await loadConfig(path);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:11  SCHEMA_RANGE`));
  }
  try {
    await loadConfig(join(dir, 'missing.yaml'));
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).diagnostics[0]?.code, 'CONFIG_UNREADABLE');
  }
  writeFileSync(path, 'source:\n  repo: ./repo\n');
  assert.is((await loadConfig(path)).source.repo, join(dir, 'repo'));
});

test('durations and repository URLs', () => {
  assert.is(durationMs(30), 30_000);
  assert.is(durationMs('250ms'), 250);
  assert.is(durationMs('1.5s'), 1500);
  assert.is(durationMs('2h'), 7_200_000);
  assert.ok(isRemoteUrl('https://example.invalid/x.git'));
  assert.ok(isRemoteUrl('ssh://git@example.invalid/x.git'));
  assert.ok(isRemoteUrl('git@example.invalid:x.git'));
  assert.ok(isRemoteUrl('file:///srv/x.git'));
  assert.not.ok(isRemoteUrl('/srv/x.git'));
  assert.not.ok(isRemoteUrl('../x.git'));
});

test.run();
