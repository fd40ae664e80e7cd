// Benchmark (not a test): the reconcile loop on 10,000 extensions. Starts the real CLI (the built
// dist/ when present, else through tsx) against a real git remote and the fake Asterisk, waits for
// the first pass and for the loop to go idle, then reads the process's memory from /metrics and
// /proc: resident set now, its peak, and the V8 heap. Ten SIGHUP passes (nothing changed) follow,
// memory is read again, and last the V8 heap after a full GC. The goal: an idle RSS under 80 MB
// after the first pass and after the no-change passes. Exits non-zero only when the benchmark
// itself breaks, never on a missed goal.
//   BENCH_EXTENSIONS (10000), BENCH_PASSES (10), BENCH_IDLE_MS (5000), BENCH_VERIFY=0 (config
//   `verify: false`), BENCH_NODE_FLAGS (extra flags for the reconciler's node), BENCH_DIST (the build
//   to run; default dist/)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemote, tempDir } from '../helpers/git.ts';
import { createFakeAsterisk } from '../helpers/fake-asterisk.ts';

const COUNT = Number(process.env.BENCH_EXTENSIONS ?? 10_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const PASSES = Number(process.env.BENCH_PASSES ?? 10);
const VERIFY = process.env.BENCH_VERIFY !== '0';
const GOAL_MB = 80;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// BENCH_DIST: a build elsewhere (`tsc --outDir .bench/dist`), e.g. while dist/ is someone else's
const dist = join(resolve(process.env.BENCH_DIST ?? join(repoRoot, 'dist')), 'cli', 'main.js');

const root = tempDir('pjsip-gitops-idle-');
const remote = createRemote(root);
const files: Record<string, string> = {
  'extensions/site.yaml': readFileSync(join(repoRoot, 'extensions', 'site.yaml'), 'utf8'),
};
// 7000+ is the site's open range
for (let i = 0; i < COUNT; i++) {
  const n = 7000 + i;
  files[`extensions/${n}.yaml`] = `extension: ${n}\nname: Bench ${n}\ntemplate: softphone\nauth: { password: "Bench-${n}-pw" }\n`;
}
remote.commit(files, `${COUNT} extensions`);
mkdirSync(join(root, 'asterisk'));
const live = join(root, 'asterisk', 'pjsip_wizard.conf');
const fake = createFakeAsterisk({ confPath: live });
const config = join(root, 'reconciler.yaml');
writeFileSync(config, [
  `source: { repo: ${JSON.stringify(remote.bare)}, interval: 1h, jitter: 0 }`,
  `target: { kind: local, liveFile: ${JSON.stringify(live)} }`,
  `asterisk: { cli: [${JSON.stringify(fake.bin)}, -rx], reload: ${JSON.stringify(fake.reloadArgv)}, timeout: 120s }`,
  `stateDir: ${JSON.stringify(join(root, 'state'))}`,
  `guards: { maxDeletions: ${COUNT} }`,
  `verify: ${VERIFY}`,
  `http: { listen: '127.0.0.1:0' }`,
  '',
].join('\n'));

const argv = existsSync(dist) ? [dist] : ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts')];
const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// SIGUSR2 writes a heap snapshot, which runs a full GC first: the heap read right after is what is retained
const child = spawn(process.execPath, ['--heapsnapshot-signal=SIGUSR2', ...flags, ...argv, 'reconcile', '--config', config], {
  cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
});
const events: { event: string; [k: string]: unknown }[] = [];
let logBytes = 0;
let buf = '';
child.stdout.on('data', (d: Buffer) => {
  logBytes += d.length;
  buf += d.toString();
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    try { events.push(JSON.parse(line)); } catch { /* not ours */ }
  }
});

async function until<T>(what: string, probe: () => T | undefined, limitMs = 300_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (child.exitCode !== null) throw new Error(`the reconciler exited (${child.exitCode}) while waiting for ${what}`);
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function proc(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function memory(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { heap: get('nodejs_heap_size_used_bytes'), ...proc(child.pid!) };
}

/** full GC by way of a heap snapshot, then the memory figures */
async function retained(base: string) {
  const before = new Set(readdirSync(root));
  child.kill('SIGUSR2');
  const snap = await until('the heap snapshot', () => readdirSync(root).find((n) => n.endsWith('.heapsnapshot') && !before.has(n)));
  // the file is complete when its size stops changing
  let size = -1;
  await until('the snapshot to be written', () => {
    const now = statSync(join(root, snap)).size;
    const done = now > 0 && now === size;
    size = now;
    return done ? true : undefined;
  });
  const m = await memory(base);
  return { ...m, snapshotBytes: size };
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const goal = (what: string, bytes: number) =>
  `GOAL idle RSS ${what} < ${GOAL_MB} MB: ${mb(bytes)} — ${bytes < GOAL_MB * 1048576 ? 'met' : 'NOT met'}`;
const t0 = Date.now();
try {
  const listening = await until('http', () => events.find((e) => e.event === 'http.listening'));
  const base = `http://${String(listening.address)}`;
  const first = await until('the first pass', () => events.find((e) => e.event === 'pass.done'));
  const firstMs = Date.now() - t0;
  if (first.result !== 'applied') throw new Error(`the first pass did not apply: ${String(first.result)} (${String(first.reason)}) ${String(first.message)}`);
  await until('the loop to wait', () => events.find((e) => e.event === 'loop.wait'));
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idle = await memory(base);
  // no-change passes, one after the other (SIGHUP, as `reconcile --now` does)
  const passMs: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    const mark = events.length;
    child.kill('SIGHUP');
    const done = await until('a SIGHUP pass', () => events.slice(mark).find((e) => e.event === 'pass.done'));
    if (done.result !== 'unchanged') throw new Error(`SIGHUP pass ${i + 1}: ${String(done.result)} (${String(done.reason)}) ${String(done.message)}`);
    passMs.push(Number(done.durationMs));
    await until('the loop to wait', () => events.slice(mark).find((e) => e.event === 'loop.wait'));
  }
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const after = await memory(base);
  // last: the heap snapshot's own allocations would inflate the RSS figures above
  const kept = await retained(base);
  const sorted = [...passMs].sort((a, b) => a - b);
  console.log(`reconciler: ${existsSync(dist) ? 'dist/ build' : 'tsx (no dist/)'}; ${COUNT} extensions; live file ${mb(readFileSync(live).length)}` +
    `${VERIFY ? '' : '; verify off'}; Node ${process.version}${flags.length ? ` ${flags.join(' ')}` : ''}`);
  console.log(`first pass:   ${first.result} (${first.reason}) in ${first.durationMs} ms (${firstMs} ms from spawn)`);
  console.log(`idle:         RSS ${mb(idle.rss)}, V8 heap used ${mb(idle.heap)}, peak RSS so far ${mb(idle.peak)}`);
  console.log(`${PASSES} SIGHUP passes (nothing changed): median ${sorted[sorted.length >> 1]} ms (min ${sorted[0]}, max ${sorted[sorted.length - 1]})`);
  console.log(`idle again:   RSS ${mb(after.rss)}, V8 heap used ${mb(after.heap)}, peak RSS ${mb(after.peak)}`);
  console.log(`after a GC:   V8 heap used ${mb(kept.heap)} (heap snapshot ${mb(kept.snapshotBytes)})`);
  console.log(`log output:   ${events.length} lines, ${mb(logBytes)}`);
  console.log(goal('after the first pass', idle.rss));
  console.log(goal(`after ${PASSES} no-change passes`, after.rss));
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fake.cleanup();
  rmSync(root, { recursive: true, force: true });
}
