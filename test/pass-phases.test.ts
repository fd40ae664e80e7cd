// The phases of a pass on hand-made inputs — no git repository, no Asterisk: the compare phase on two
// byte buffers, the guards on a change list, the connect step on a target that refuses, and outcomeOf.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledModel } from '../compiler/types.js';
import { configFrom, type RawConfig } from '../reconciler/config.js';
import { PassError } from '../reconciler/errors.js';
import { createLogger } from '../reconciler/log.js';
import { outcomeOf } from '../reconciler/outcome.js';
import { runPass } from '../reconciler/pass.js';
import type { PassOutcome, Status } from '../reconciler/pass-types.js';
import { emptyStatus, readStatus, sha256 } from '../reconciler/state.js';
import { checkPhase } from '../reconciler/steps/check.js';
import { compare } from '../reconciler/steps/compare.js';
import { checkGuards } from '../reconciler/steps/guards.js';
import { sourcePhase } from '../reconciler/steps/source.js';
import { PassRun, Stop, type Checked, type Compiled, type CompiledOk, type PassDeps } from '../reconciler/steps/types.js';
import type { Target } from '../reconciler/target.js';

const dirs: string[] = [];
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function deps(raw: Partial<RawConfig> = {}, target: Partial<Target> = {}): PassDeps {
  const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-phases-'));
  dirs.push(dir);
  const config = configFrom({ source: { repo: 'unused' }, target: { kind: 'local', liveFile: join(dir, 'pjsip_wizard.conf') },
    stateDir: join(dir, 'state'), ...raw }, join(dir, 'reconciler.yaml'));
  return {
    config, log: createLogger({ write: () => {} }),
    source: { update: async () => 'c0ffee'.padEnd(40, '0'), read: async () => [] },
    target: { describe: 'test', readFile: async () => null, writeFileAtomic: async () => {}, exec: async () => ({ stdout: '', stderr: '', code: 0, timedOut: false }),
      close: async () => {}, ...target },
    compile: () => { throw new Error('not compiled in these tests'); },
  };
}

function run(d: PassDeps, status: Status = emptyStatus(), options: Partial<PassRun['options']> = {}): PassRun {
  return new PassRun(d, status, { dryRun: false, retryFailed: true, trigger: 'test', ...options });
}

const wizard = (...numbers: string[]) => numbers.map((n) => `[${n}]\ntype = wizard\naccepts_registrations = yes\n`).join('\n');

/** A compile phase result for `conf`, without the compiler: only what compare and the guards read. */
function compiled(conf: string, live: Buffer | null, numbers: string[]): Compiled {
  const data = Buffer.from(conf);
  const model = { extensions: numbers.map((number) => ({ number, options: {} })), transports: {}, preferredCodecs: {} } as unknown as CompiledModel;
  const result = { ok: true, conf, redacted: conf, hash: sha256(data), deployable: true, model, diagnostics: [] } as CompiledOk;
  return { commit: 'c0ffee'.padEnd(40, '0'), inputKey: 'k', live: { data: live, sha: live ? sha256(live) : '' }, resume: undefined,
    compiled: result, desired: { data, sha: sha256(data) } };
}

const checked = (input: Compiled, removed: string[]): Checked => ({ ...input, changes: { added: [], removed, changed: [] }, drift: false });

test('compare: two byte buffers give the extensions added, removed and changed', async () => {
  const pass = run(deps());
  const before = Buffer.from(wizard('6001', '6002') + '[6003]\ntype = wizard\n');
  const r = await compare(pass, compiled(wizard('6001', '6004') + '[6003]\ntype = wizard\ntransport = t-tls\n', before, ['6001', '6003', '6004']));
  assert.not.instance(r, Stop);
  if (r instanceof Stop) return;
  assert.equal(r.changes, { added: ['6004'], removed: ['6002'], changed: ['6003'] });
  assert.is(r.drift, false);
});

test('compare: the same bytes, verified, stop the pass as unchanged', async () => {
  const conf = wizard('6001');
  const sha = sha256(Buffer.from(conf));
  const status: Status = { ...emptyStatus(), lastApplied: { commit: 'a'.repeat(40), hash: 'h', fileSha256: sha, time: new Date(0).toISOString() } };
  const r = await compare(run(deps(), status), compiled(conf, Buffer.from(conf), ['6001']));
  assert.instance(r, Stop);
  assert.equal([(r as Stop).result, (r as Stop).reason], ['unchanged', 'Unchanged']);
});

test('compare: a hand edit of what we wrote is drift; drift mode report stops the pass', async () => {
  const conf = wizard('6001');
  const status: Status = { ...emptyStatus(), lastApplied: { commit: 'a'.repeat(40), hash: 'h', fileSha256: sha256(Buffer.from(conf)), time: new Date(0).toISOString() } };
  const input = compiled(conf, Buffer.from(conf + 'max_contacts = 9\n'), ['6001']);
  const corrected = await compare(run(deps(), status), input);
  assert.is((corrected as Checked).drift, true);
  const reported = await compare(run(deps({ drift: { mode: 'report' } }), status), input);
  assert.equal([(reported as Stop).result, (reported as Stop).reason], ['drift-reported', 'DriftDetected']);
});

test('guards: too many removals and an empty file are refused (stalled GuardRefused); within the limit goes on', () => {
  const pass = run(deps({ guards: { maxDeletions: 2 } }));
  const refused = (f: () => void) => { try { f(); } catch (err) { return err; } return undefined; };
  const tooMany = refused(() => checkGuards(pass, checked(compiled(wizard('6001'), null, ['6001']), ['6002', '6003', '6004'])));
  assert.instance(tooMany, PassError);
  assert.equal([(tooMany as PassError).kind, (tooMany as PassError).reason], ['stalled', 'GuardRefused']);
  assert.match((tooMany as PassError).message, /refusing to remove 3 extensions/);
  const empty = refused(() => checkGuards(pass, checked(compiled('', null, []), ['6001'])));
  assert.match((empty as PassError).message, /no extensions/);
  assert.is(refused(() => checkGuards(pass, checked(compiled(wizard('6001'), null, ['6001']), ['6002', '6003']))), undefined);
});

test('compare and guards phase: a dry run ends at its dry-run step, each step named', async () => {
  const pass = run(deps(), emptyStatus(), { dryRun: true });
  const r = await checkPhase(pass, compiled(wizard('6001'), null, ['6001']));
  assert.equal([(r as Stop).result, (r as Stop).reason], ['dry-run', 'DryRun']);
  assert.equal(pass.steps.map((s) => [s.name, s.outcome]),
    [['compare', 'continue'], ['known-failure', 'continue'], ['guards', 'continue'], ['host-check', 'continue'], ['dry-run', 'stop']]);
});

test('known failure: content that failed before stops an automatic pass, before the guards', async () => {
  const input = compiled(wizard('6001'), null, ['6001']);
  const status: Status = { ...emptyStatus(), lastFailed: { commit: input.commit, fileSha256: input.desired.sha, reason: 'VerifyFailed', message: 'x', time: 't' } };
  const pass = run(deps(), status, { retryFailed: false });
  const r = await checkPhase(pass, input);
  assert.equal([(r as Stop).result, (r as Stop).reason], ['failed', 'VerifyFailed']);
  assert.equal(pass.steps.map((s) => s.name), ['compare', 'known-failure']);
});

test('source phase: a refused target fails the connect step (stalled TargetRefused); an unreachable one is transient', async () => {
  const refusedPass = run(deps({}, { connect: async () => { throw Object.assign(new Error('auth refused'), { kind: 'auth-refused' }); } }));
  const refused = await sourcePhase(refusedPass).catch((e: unknown) => e);
  assert.instance(refused, PassError);
  assert.equal([(refused as PassError).kind, (refused as PassError).reason], ['stalled', 'TargetRefused']);
  assert.match((refused as PassError).message, /^cannot reach the target local: auth refused.*the live file is untouched$/);
  assert.equal(refusedPass.steps.map((s) => [s.name, s.outcome]), [['connect', 'fail']]);
  const down = await sourcePhase(run(deps({}, { connect: async () => { throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }); } })))
    .catch((e: unknown) => e);
  assert.equal([(down as PassError).kind, (down as PassError).reason], ['transient', 'TargetUnreachable']);
});

test('a pass whose target refuses the connection is recorded like any other failure', async () => {
  const d = deps({}, { connect: async () => { throw Object.assign(new Error('host key mismatch'), { kind: 'host-key-mismatch' }); } });
  const r = await runPass(d, { trigger: 'test' });
  assert.equal([r.result, r.condition, r.reason], ['stalled', 'Stalled', 'TargetRefused']);
  assert.equal(r.steps?.map((s) => [s.name, s.outcome]), [['connect', 'fail']]);
  const status = await readStatus(d.config.stateDir);
  assert.equal([status.condition.type, status.condition.reason, status.history.length], ['Stalled', 'TargetRefused', 1]);
});

test('outcomeOf: every outcome has its condition, exit code and next wait', () => {
  const all: Record<PassOutcome, [string, number, string]> = {
    applied: ['Ready', 0, 'interval'], unchanged: ['Ready', 0, 'interval'], 'drift-corrected': ['Ready', 0, 'interval'],
    'dry-run': ['Ready', 0, 'interval'], 'drift-reported': ['Stalled', 1, 'interval'], stalled: ['Stalled', 1, 'wait-for-commit'],
    failed: ['Failed', 1, 'wait-for-commit'], transient: ['Failed', 3, 'backoff'], suspended: ['Stalled', 1, 'interval'],
  };
  for (const [outcome, want] of Object.entries(all) as [PassOutcome, [string, number, string]][]) {
    const o = outcomeOf({ result: outcome });
    assert.equal([o.condition, o.exitCode, o.next], want, outcome);
    assert.equal(outcomeOf(outcome), o);
  }
});

test.run();
