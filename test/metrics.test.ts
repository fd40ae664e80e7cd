// The metrics people alert on, scraped from the running reconciler's own HTTP server after real
// passes (one applied, one that Asterisk half-loads and is rolled back), and their text format.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_VERSION } from '../reconciler/io/package.ts';
import { PassMetrics, PASS_DURATION_BUCKETS, renderMetrics, snakeCase, suspendedOf } from '../reconciler/metrics.ts';
import { cliArgv } from './helpers/cli.ts';
import { passFixture } from './helpers/pass-fixture.ts';

test('a running reconciler: pass duration histogram, rollbacks, verify failures, suspended, build_info, snake_case labels', async () => {
  const fx = await passFixture({ fake: { dropSections: ['7000'] } });
  const config = fx.writeConfigFile('http: { listen: "127.0.0.1:0" }');
  // the interval is long: only the start-up pass and the SIGHUP pass run
  const child = spawn(process.execPath, cliArgv(['reconcile', '--config', config]), { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  let waiting: (() => void) | undefined;
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      events.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
      waiting?.();
    }
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => { waiting?.(); res(code); }));
  const event = async (name: string, nth = 1): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = events.filter((e) => e.event === name)[nth - 1];
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the reconciler exited before '${name}': ${stderr} ${JSON.stringify(events)}`);
      await new Promise<void>((res) => { waiting = res; });
    }
  };
  try {
    const first = await event('pass.done');
    assert.is(first.result, 'applied');
    const base = `http://${String((await event('http.listening')).address)}`;
    fx.remote.commit({ 'extensions/7000.yaml': 'extension: 7000\nname: Lab\ntemplate: softphone\nauth: { password: Maja1234 }\n' }, 'add 7000');
    child.kill('SIGHUP');
    const second = await event('pass.done', 2);
    assert.is(second.reason, 'VerifyFailed');
    const text = await (await fetch(`${base}/metrics`)).text();
    const lines = text.split('\n');
    const has = (line: string) => assert.ok(lines.includes(line), `missing: ${line}\n${text}`);
    has('# TYPE pjsip_gitops_pass_duration_seconds histogram');
    has('pjsip_gitops_pass_duration_seconds_bucket{le="+Inf"} 2');
    has('pjsip_gitops_pass_duration_seconds_count 2');
    assert.match(text, /^pjsip_gitops_pass_duration_seconds_sum 0\.\d+|^pjsip_gitops_pass_duration_seconds_sum [1-9]/m);
    const buckets = lines.filter((l) => l.startsWith('pjsip_gitops_pass_duration_seconds_bucket{')).map((l) => Number(l.split(' ')[1]));
    assert.is(buckets.length, PASS_DURATION_BUCKETS.length + 1);
    assert.ok(buckets.every((n, i) => i === 0 || n >= buckets[i - 1]!), 'cumulative');
    has('pjsip_gitops_rollbacks_total 1');
    has('pjsip_gitops_verify_failures_total 1');
    has('pjsip_gitops_suspended 0');
    has(`pjsip_gitops_build_info{version="${PACKAGE_VERSION}",node="${process.version}"} 1`);
    has('pjsip_gitops_passes_total{result="failed"} 1');
    has('pjsip_gitops_passes_total{result="drift_corrected"} 0');
    has('pjsip_gitops_condition{condition="failed"} 1');
    has('pjsip_gitops_condition{condition="ready"} 0');
    for (const m of text.matchAll(/\{([^}]*)\}/g)) {
      for (const [, key, value] of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) {
        if (key === 'result' || key === 'condition') assert.match(value!, /^[a-z0-9_]+$/, `${key}="${value}" is not snake_case`);
      }
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    fx.cleanup();
  }
});

test('PassMetrics: each pass in one bucket; a failed reload or verify is a rollback; VerifyFailed counted', () => {
  const m = new PassMetrics();
  m.observe({ reason: 'Applied', durationMs: 80, steps: [{ name: 'verify', outcome: 'stop' }] });
  m.observe({ reason: 'VerifyFailed', durationMs: 3_000, steps: [{ name: 'reload', outcome: 'continue' }, { name: 'verify', outcome: 'fail' }] });
  m.observe({ reason: 'ReloadFailed', durationMs: 400_000, steps: [{ name: 'reload', outcome: 'fail' }] });
  m.observe({ reason: 'FetchFailed', durationMs: 200, steps: [{ name: 'fetch', outcome: 'fail' }] });
  const s = m.snapshot();
  assert.is(s.rollbacks, 2);
  assert.is(s.verifyFailures, 1);
  assert.is(s.passDurations!.count, 4);
  assert.equal(s.passDurations!.counts, [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const text = renderMetrics({ passes: {}, reloads: 0, driftEvents: 0, ...s });
  assert.ok(text.includes('pjsip_gitops_pass_duration_seconds_bucket{le="5"} 3'));
  assert.ok(text.includes('pjsip_gitops_pass_duration_seconds_bucket{le="300"} 3'));
  assert.ok(text.includes('pjsip_gitops_pass_duration_seconds_bucket{le="+Inf"} 4'));
});

test('suspended: 1 while the status has a `suspended` field, 0 without it (or when it is false/null)', () => {
  assert.is(suspendedOf({ suspended: { reason: 'maintenance', since: '2026-01-01T00:00:00Z' } }), true);
  assert.is(suspendedOf({ suspended: true }), true);
  assert.is(suspendedOf({ suspended: false }), false);
  assert.is(suspendedOf({ suspended: null }), false);
  assert.is(suspendedOf({ condition: {} }), false);
  assert.is(suspendedOf(undefined), false);
  assert.ok(renderMetrics({ passes: {}, reloads: 0, driftEvents: 0, ...new PassMetrics().snapshot({ suspended: { reason: 'x' } }) })
    .split('\n').includes('pjsip_gitops_suspended 1'));
});

test('snake_case label values', () => {
  assert.equal(['drift-corrected', 'dry-run', 'Ready', 'Stalled', 'VerifyFailed', 'applied'].map(snakeCase),
    ['drift_corrected', 'dry_run', 'ready', 'stalled', 'verify_failed', 'applied']);
});

test.run();
