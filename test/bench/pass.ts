// Benchmark (not a test): passes over 10,000 extensions with real git, real files and the fake
// Asterisk. The goal line: a pass with nothing to do costs at most 1.2× a bare `git fetch` of the
// same branch into the same checkout, spawned the same way (medians, measured side by side in this
// run). Then how long each kind of pass takes and where the time goes.
//   node --import tsx test/bench/pass.ts
//   BENCH_EXTENSIONS=1000 (default 10000), BENCH_RUNS=15 (no-change passes and bare fetches each),
//   BENCH_VERIFY=0 (config `verify: false`: a first apply without the per-object shows)
// Exits non-zero only when the benchmark itself breaks, never on a missed goal.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { compile } from '../../compiler/compile.js';
import { configFrom } from '../../reconciler/config.js';
import { createGit, fetchArgs, readSourcesAtRev } from '../../reconciler/git.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createFakeAsterisk } from '../helpers/fake-asterisk.js';
import { gitSync, tempDir } from '../helpers/git.js';
import { fail, median } from '../helpers/bench.js';

const COUNT = Number(process.env.BENCH_EXTENSIONS ?? process.argv[2] ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const VERIFY = process.env.BENCH_VERIFY !== '0';
const GOAL_RATIO = 1.2;
const FIRST = 7000; // the shipped site.yaml's open-ended range

const root = tempDir('pjsip-gitops-bench-');
const fake = createFakeAsterisk({ confPath: join(root, 'live', 'pjsip_wizard.conf') });
try {
  const work = join(root, 'work');
  const bare = join(root, 'remote.git');
  mkdirSync(join(work, 'extensions'), { recursive: true });
  mkdirSync(bare);
  mkdirSync(join(root, 'live'));
  gitSync(bare, ['init', '--bare', '--quiet']);
  gitSync(work, ['init', '--quiet', '-b', 'main']);
  gitSync(work, ['remote', 'add', 'origin', bare]);
  writeFileSync(join(work, 'extensions', 'site.yaml'), readFileSync(join(process.cwd(), 'extensions', 'site.yaml')));
  const ext = (n: number, name: string) =>
    `extension: ${n}\nname: Phone ${name}\ntemplate: softphone\nauth: { password: "${randomBytes(9).toString('base64url')}" }\n`;
  for (let i = 0; i < COUNT; i++) writeFileSync(join(work, 'extensions', `${FIRST + i}.yaml`), ext(FIRST + i, String(i)));
  writeFileSync(join(work, 'README.md'), '# bench\n');
  const commit = (message: string) => {
    gitSync(work, ['add', '-A']);
    gitSync(work, ['commit', '--quiet', '-m', message]);
    gitSync(work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    return gitSync(work, ['rev-parse', 'HEAD']);
  };
  const t0 = performance.now();
  const head = commit(`${COUNT} extensions`);
  const seedMs = performance.now() - t0;

  const config = configFrom({
    source: { repo: bare },
    target: { kind: 'local', liveFile: join(root, 'live', 'pjsip_wizard.conf') },
    asterisk: { cli: [fake.bin, '-rx'], reload: fake.reloadArgv, timeout: '120s' },
    stateDir: join(root, 'state'),
    verify: VERIFY,
  }, join(root, 'reconciler.yaml'));
  const deps = await loadPassDeps(config, { log: createLogger({ write: () => {} }), target: new LocalTarget() });

  const rows: string[] = [];
  const stepsOf = (r: PassResult, minMs: number) => (r.steps ?? []).filter((s) => s.ms >= minMs).map((s) => `${s.name} ${s.ms}`).join(', ');
  const measure = async (label: string, want: PassResult['result'], wantReload: boolean) => {
    const before = await fake.reloadCount();
    const r = await runPass(deps, { trigger: 'bench' });
    const after = await fake.reloadCount();
    rows.push(`${label.padEnd(34)} ${String(r.durationMs).padStart(6)} ms  ${r.result.padEnd(9)} reloads +${after - before}  [${stepsOf(r, 5)}]`);
    if (r.result !== want) fail(`${label}: expected ${want}, got ${r.result} (${r.reason}: ${r.message})`);
    if ((after > before) !== wantReload) fail(`${label}: reload ${wantReload ? 'expected' : 'not expected'}`);
    return r;
  };

  await measure(`first pass (write + reload${VERIFY ? ' + verify' : ''})`, 'applied', true);

  // the goal: no-change passes and bare fetches of the same branch into the same checkout, through
  // the same git factory, taken in turns (the order alternating) so that both see the same machine
  const checkout = createGit(config.source.checkoutDir);
  const bareFetch: number[] = [];
  const noChange: number[] = [];
  const fetchStep: number[] = [];
  const inPass: number[] = [];
  let sample: PassResult | undefined;
  const fetchOnce = async () => {
    const s = performance.now();
    await checkout.fetch(fetchArgs('main'));
    bareFetch.push(performance.now() - s);
  };
  const passOnce = async () => {
    const s = performance.now();
    const r = await runPass(deps, { trigger: 'bench' });
    noChange.push(performance.now() - s);
    fetchStep.push(r.steps?.find((st) => st.name === 'fetch')?.ms ?? NaN);
    inPass.push(r.durationMs);
    if (r.result !== 'unchanged') fail(`no-change pass: expected unchanged, got ${r.result} (${r.reason}: ${r.message})`);
    if (r.steps?.some((st) => st.name === 'compile')) fail('the no-change pass compiled');
    sample = r;
  };
  await fetchOnce(); // warm-up of both, not counted
  await passOnce();
  for (const xs of [bareFetch, noChange, fetchStep, inPass]) xs.length = 0;
  const reloadsBefore = await fake.reloadCount();
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) { await fetchOnce(); await passOnce(); } else { await passOnce(); await fetchOnce(); }
  }
  if ((await fake.reloadCount()) !== reloadsBefore) fail('a no-change pass reloaded');
  const fetchMs = median(bareFetch);
  const passMs = median(noChange);
  const ratio = passMs / fetchMs;

  writeFileSync(join(work, 'README.md'), '# bench\n\nmore words\n');
  commit('README only');
  await measure('README-only commit (compiles)', 'unchanged', false);
  writeFileSync(join(work, 'extensions', `${FIRST + 1}.yaml`), ext(FIRST + 1, 'renamed'));
  commit('one extension changed');
  await measure('one extension changed', 'applied', true);
  await measure('no-change pass again', 'unchanged', false);

  const c0 = performance.now();
  const sources = await readSourcesAtRev(bare, head, 'extensions');
  const c1 = performance.now();
  const compiled = compile(sources, { sourceLabel: 'extensions/' });
  const c2 = performance.now();
  if (!compiled.ok) fail('the bench extensions do not compile');

  const f1 = (x: number) => x.toFixed(1);
  process.stdout.write([
    `pass benchmark: ${COUNT} extensions, ${(compiled.conf.length / 1e6).toFixed(2)} MB pjsip_wizard.conf, Node ${process.version}` +
      `${VERIFY ? '' : ', verify off'}`,
    `  seed commit + push: ${seedMs.toFixed(0)} ms; read from git objects: ${(c1 - c0).toFixed(0)} ms; compile alone: ${(c2 - c1).toFixed(0)} ms`,
    `  bare git fetch:   median ${f1(fetchMs)} ms of ${RUNS} (min ${f1(Math.min(...bareFetch))}, max ${f1(Math.max(...bareFetch))})`,
    `  no-change pass:   median ${f1(passMs)} ms of ${RUNS} (min ${f1(Math.min(...noChange))}, max ${f1(Math.max(...noChange))}); ` +
      `its steps: [${stepsOf(sample!, 0)}]`,
    `    of which the fetch step ${f1(median(fetchStep))} ms, the pass's own time ${f1(median(inPass))} ms ` +
      `(the rest: the status file read before and written after)`,
    `  GOAL no-change pass <= ${GOAL_RATIO}x a bare git fetch: ${ratio.toFixed(2)}x (${f1(passMs)} / ${f1(fetchMs)} ms) — ` +
      `${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}`,
    ...rows.map((r) => `  ${r}`),
    '  (reload and verify times are the fake Asterisk\'s, not a real one\'s; steps under 5 ms are not listed)',
    '',
  ].join('\n'));
} finally {
  fake.cleanup();
  rmSync(root, { recursive: true, force: true });
}
