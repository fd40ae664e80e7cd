// Benchmark (not a test): passes over 10,000 extensions with real git, real files and the fake
// Asterisk. Prints how long each kind of pass takes and where the time goes.
//   node --import tsx test/bench/pass.ts [extensions]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { compile } from '../../compiler/compile.js';
import { configFrom } from '../../reconciler/config.js';
import { readSourcesAtRev } from '../../reconciler/git.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createFakeAsterisk } from '../helpers/fake-asterisk.js';
import { gitSync, tempDir } from '../helpers/git.js';

const COUNT = Number(process.argv[2] ?? 10_000);
const FIRST = 7000; // the shipped site.yaml's open-ended range

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

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
  }, join(root, 'reconciler.yaml'));
  const deps = await loadPassDeps(config, { log: createLogger({ write: () => {} }), target: new LocalTarget() });

  const rows: string[] = [];
  const show = (label: string, r: PassResult, reloadsBefore: number, reloadsAfter: number) => {
    const steps = (r.steps ?? []).filter((s) => s.ms >= 5).map((s) => `${s.name} ${s.ms}`).join(', ');
    rows.push(`${label.padEnd(34)} ${String(r.durationMs).padStart(6)} ms  ${r.result.padEnd(9)} reloads +${reloadsAfter - reloadsBefore}  [${steps}]`);
  };
  const measure = async (label: string, want: PassResult['result'], wantReload: boolean) => {
    const before = await fake.reloadCount();
    const r = await runPass(deps, { trigger: 'bench' });
    const after = await fake.reloadCount();
    show(label, r, before, after);
    if (r.result !== want) fail(`${label}: expected ${want}, got ${r.result} (${r.reason}: ${r.message})`);
    if ((after > before) !== wantReload) fail(`${label}: reload ${wantReload ? 'expected' : 'not expected'}`);
    return r;
  };

  await measure('first pass (write + reload + verify)', 'applied', true);
  const noChange = await measure('no-change pass', 'unchanged', false);
  if (noChange.steps?.some((s) => s.name === 'compile')) fail('the no-change pass compiled');
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

  process.stdout.write([
    `pass benchmark: ${COUNT} extensions, ${(compiled.conf.length / 1e6).toFixed(2)} MB pjsip_wizard.conf, Node ${process.version}`,
    `  seed commit + push: ${seedMs.toFixed(0)} ms; read from git objects: ${(c1 - c0).toFixed(0)} ms; compile alone: ${(c2 - c1).toFixed(0)} ms`,
    ...rows.map((r) => `  ${r}`),
    '  (reload and verify times are the fake Asterisk\'s, not a real one\'s; steps under 5 ms are not listed)',
    '',
  ].join('\n'));
} finally {
  fake.cleanup();
  rmSync(root, { recursive: true, force: true });
}
