// Benchmark (not a test): the realtime strategy's pass with nothing to do, at 10,000 extensions, with
// real git, a real SQLite file written through the `sqlite3` command and the fake Asterisk in realtime
// mode. The goal line: such a pass costs at most 1.2× a bare `git fetch` of the same branch into the
// same checkout (medians, taken in turns in this run). Beside it, a no-change pass that has to read
// every row (the database file touched, so its fingerprint no longer matches the record).
//   node --import tsx test/bench/realtime-nochange.ts
//   BENCH_EXTENSIONS=1000 (default 10000), BENCH_RUNS=10 (no-change passes and bare fetches each)
// The first pass writes the rows with verify off (the fake's per-object shows would take minutes).
// Exits non-zero only when the benchmark itself breaks, never on a missed goal.
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { REALTIME_TABLES, createTableSql } from '../../compiler/realtime-schema.js';
import { configFrom } from '../../reconciler/config.js';
import { createGit, fetchArgs } from '../../reconciler/git.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import { statDatabase } from '../../reconciler/realtime/fingerprint.js';
import { createTables } from '../../reconciler/realtime/sqlite.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createFakeAsterisk } from '../helpers/fake-asterisk.js';
import { gitSync, tempDir } from '../helpers/git.js';
import { fail, median } from '../helpers/bench.js';

const COUNT = Number(process.env.BENCH_EXTENSIONS ?? process.argv[2] ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const GOAL_RATIO = 1.2;
const FIRST = 7000; // the shipped site.yaml's open-ended range

const root = tempDir('pjsip-gitops-bench-rt-');
const database = join(root, 'live', 'realtime.sqlite3');
const fake = createFakeAsterisk({ confPath: join(root, 'live', 'pjsip_wizard.conf'), realtime: { database } });
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
  gitSync(work, ['add', '-A']);
  gitSync(work, ['commit', '--quiet', '-m', `${COUNT} extensions`]);
  gitSync(work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);

  const target = new LocalTarget();
  await createTables(target, database, REALTIME_TABLES.map(createTableSql));
  const config = configFrom({
    source: { repo: bare },
    target: { kind: 'local', liveFile: join(root, 'live', 'pjsip_wizard.conf'), strategy: 'realtime-sqlite', realtime: { database } },
    asterisk: { cli: [fake.bin, '-rx'], reload: fake.reloadArgv, timeout: '120s' },
    stateDir: join(root, 'state'),
    verify: false,
  }, join(root, 'reconciler.yaml'));
  const deps = await loadPassDeps(config, { log: createLogger({ write: () => {} }), target });

  const stepsOf = (r: PassResult, minMs: number) => (r.steps ?? []).filter((s) => s.ms >= minMs).map((s) => `${s.name} ${s.ms}`).join(', ');
  const pass = async (label: string, want: PassResult['result']) => {
    const s = performance.now();
    const r = await runPass(deps, { trigger: 'bench' });
    const ms = performance.now() - s;
    if (r.result !== want) fail(`${label}: expected ${want}, got ${r.result} (${r.reason}: ${r.message})`);
    return { r, ms };
  };

  const first = await pass('first pass', 'applied');
  // a pass within a few seconds of the last write cannot trust the database's timestamps (see
  // reconciler/realtime/fingerprint.ts): the loop's passes are a minute apart, so wait as it would
  await new Promise((res) => setTimeout(res, 3500));

  const checkout = createGit(config.source.checkoutDir);
  const bareFetch: number[] = [];
  const noChange: number[] = [];
  const readLive: number[] = [];
  const fetchStep: number[] = [];
  const inPass: number[] = [];
  let sample: PassResult | undefined;
  const fetchOnce = async () => {
    const s = performance.now();
    await checkout.fetch(fetchArgs('main'));
    bareFetch.push(performance.now() - s);
  };
  const passOnce = async () => {
    const { r, ms } = await pass('no-change pass', 'unchanged');
    if (r.steps?.some((st) => st.name === 'compile')) fail('the no-change pass compiled');
    noChange.push(ms);
    readLive.push(r.steps?.find((st) => st.name === 'read-live')?.ms ?? NaN);
    fetchStep.push(r.steps?.find((st) => st.name === 'fetch')?.ms ?? NaN);
    inPass.push(r.durationMs);
    sample = r;
  };
  await fetchOnce(); // warm-up of both, not counted (this pass reads the rows and records the fingerprint)
  const warm = await pass('the first no-change pass', 'unchanged');
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) { await fetchOnce(); await passOnce(); } else { await passOnce(); await fetchOnce(); }
  }
  // the one exec the read-live step adds, alone, in the same process
  const statAlone: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    if (!(await statDatabase(target, database))) fail('the database cannot be stat-ed');
    statAlone.push(performance.now() - s);
  }
  const fetchMs = median(bareFetch);
  const passMs = median(noChange);
  const ratio = passMs / fetchMs;

  // the database's timestamps moved (no row changed): the pass reads every row again
  const later = new Date(Date.now() + 1000);
  utimesSync(database, later, later);
  await new Promise((res) => setTimeout(res, 3500));
  const touched = await pass('a pass after the database file was touched', 'unchanged');

  const f1 = (x: number) => x.toFixed(1);
  process.stdout.write([
    `realtime no-change benchmark: ${COUNT} extensions (${COUNT * 3} rows in ps_endpoints, ps_aors, ps_auths), Node ${process.version}`,
    `  first pass (writes every row, verify off): ${first.ms.toFixed(0)} ms [${stepsOf(first.r, 5)}]`,
    `  first no-change pass after it:             ${warm.ms.toFixed(0)} ms [${stepsOf(warm.r, 5)}]`,
    `  bare git fetch:   median ${f1(fetchMs)} ms of ${RUNS} (min ${f1(Math.min(...bareFetch))}, max ${f1(Math.max(...bareFetch))})`,
    `  no-change pass:   median ${f1(passMs)} ms of ${RUNS} (min ${f1(Math.min(...noChange))}, max ${f1(Math.max(...noChange))}); ` +
      `its steps: [${stepsOf(sample!, 0)}]`,
    `    of which the fetch step ${f1(median(fetchStep))} ms, read-live ${f1(median(readLive))} ms (the stat exec alone: ` +
      `${f1(median(statAlone))} ms), the pass's own time ${f1(median(inPass))} ms (the rest: the status file read before and written after)`,
    `  GOAL no-change pass <= ${GOAL_RATIO}x a bare git fetch: ${ratio.toFixed(2)}x (${f1(passMs)} / ${f1(fetchMs)} ms) — ` +
      `${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}`,
    `  no-change pass after the file was touched (every row read): ${touched.ms.toFixed(0)} ms [${stepsOf(touched.r, 5)}]`,
    '',
  ].join('\n'));
} finally {
  fake.cleanup();
  rmSync(root, { recursive: true, force: true });
}
