// Benchmark (not a test): one changed extension among 10,000, applied on a real Asterisk 22.10.1 by the
// file strategy (pjsip_wizard.conf + module reload) and by the realtime strategy (rows of ps_endpoints,
// ps_aors and ps_auths in SQLite, no reload), while an unrelated registered phone sends a REGISTER every
// 200 ms. Prints the apply time, the reload's share, and how many REGISTERs Asterisk answered during it.
//
// Reproduce:
//   ../shared/asterisk/build.sh                 # once: Asterisk 22.10.1 in ~/.cache/asterisk-22.10.1
//   apt-get install sqlite3                     # the realtime strategy writes rows with it
//   BENCH_ONLY=registrations npm run bench      # or: node --import tsx test/bench/registrations.ts
//   BENCH_EXTENSIONS=2000 BENCH_ONLY=registrations npm run bench   # a smaller PBX
// Without an Asterisk build (or sqlite3) it prints SKIPPED and exits 0; it exits non-zero only when
// the benchmark itself breaks (a pass not applied, the phone unable to register before the change).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REALTIME_TABLES, createTableSql } from '../../compiler/realtime-schema.js';
import { configFrom } from '../../reconciler/config.js';
import { createLogger } from '../../reconciler/log.js';
import { loadPassDeps, runPass, type PassResult } from '../../reconciler/pass.js';
import { createTables } from '../../reconciler/realtime/sqlite.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { createRemote, tempDir } from '../helpers/git.js';
import { ASTERISK_VERSION, findAsterisk, startAsterisk, type RealAsterisk } from '../helpers/real-asterisk.js';
import { loggedReloads } from '../helpers/real-pass.js';
import { startRegisterLoop, type RegisterLoop } from '../helpers/register-loop.js';
import { printComparison, type StrategyFigures } from '../helpers/registration-figures.js';

const COUNT = Number(process.env.BENCH_EXTENSIONS ?? 10_000);
const FIRST = 7000; // the shipped site.yaml's open-ended range
const INTERVAL_MS = 200; // one REGISTER every 200 ms
const LIMIT_MS = 2_000; // a REGISTER with no final answer by then failed
const LEAD_MS = 1_000; // REGISTERs before the pass starts: the phone's normal latency
const MARGIN_MS = 2_000; // and after it ends
const PASS_LIMIT_MS = 5 * 60_000; // one pass, whatever it waits on
const CHANGED = String(FIRST); // the extension the measured commit renames
const PHONE = String(FIRST + COUNT - 1); // the unrelated phone

type Strategy = 'file' | 'realtime-sqlite';

function skip(why: string): never {
  process.stdout.write(`registrations benchmark SKIPPED: ${why}\n`);
  process.exit(0);
}

if (!Number.isInteger(COUNT) || COUNT < 2) throw new Error(`BENCH_EXTENSIONS must be a whole number of at least 2, not ${process.env.BENCH_EXTENSIONS}`);
if (!findAsterisk()) skip(`no Asterisk ${ASTERISK_VERSION} build (run ../shared/asterisk/build.sh, or set ASTERISK_BIN)`);
try { execFileSync('sqlite3', ['-version'], { stdio: 'ignore' }); } catch { skip('the sqlite3 command is not installed (apt-get install sqlite3)'); }

const site = readFileSync(join(import.meta.dirname, '..', '..', 'extensions', 'site.yaml'), 'utf8');
const passwords = new Map<string, string>();
const extensionYaml = (n: string, name: string) =>
  `extension: ${n}\nname: ${name}\ntemplate: softphone\nauth: { password: "${passwords.get(n)}" }\n`;
const seed: Record<string, string> = { 'extensions/site.yaml': site, 'README.md': '# extensions\n' };
for (let i = 0; i < COUNT; i++) {
  const n = String(FIRST + i);
  passwords.set(n, randomBytes(12).toString('base64url'));
  seed[`extensions/${n}.yaml`] = extensionYaml(n, `Phone ${i}`);
}

const eventOf = (line: string) => { try { return String((JSON.parse(line.slice(line.indexOf('{'))) as { event?: unknown }).event ?? ''); } catch { return ''; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pass that cannot outlive PASS_LIMIT_MS (the reconciler's own timeouts should end it far sooner). */
async function boundedPass(p: Promise<PassResult>, what: string): Promise<PassResult> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result within ${PASS_LIMIT_MS / 1000} s`)), PASS_LIMIT_MS); });
  try { return await Promise.race([p, limit]); } finally { clearTimeout(timer); }
}

const slow = (r: PassResult) => (r.steps ?? []).filter((s) => s.ms >= 50);

function applied(r: PassResult, what: string): PassResult {
  if (r.result !== 'applied') throw new Error(`${what}: expected applied, got ${r.result} (${r.reason}: ${r.message})`);
  return r;
}

// temp folders go also when a signal ends the run (real-asterisk.ts then stops Asterisk and exits)
const roots = new Set<string>();
process.on('exit', () => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

async function measure(strategy: Strategy): Promise<StrategyFigures> {
  const root = tempDir(`pjsip-gitops-bench-${strategy}-`);
  roots.add(root);
  let ast: RealAsterisk | undefined;
  let loop: RegisterLoop | undefined;
  try {
    const database = join(root, 'realtime.sqlite3');
    if (strategy === 'realtime-sqlite') await createTables(new LocalTarget(), database, REALTIME_TABLES.map(createTableSql));
    ast = await startAsterisk(strategy === 'realtime-sqlite' ? { realtime: { database } } : {});
    const events: { at: number; event: string }[] = [];
    const remote = createRemote(root);
    remote.commit(seed, `${COUNT} extensions`);
    const passWith = async (verify: boolean) => {
      const config = configFrom({
        source: { repo: remote.bare },
        target: { kind: 'local', liveFile: ast!.wizardFile, strategy, ...(strategy === 'realtime-sqlite' ? { realtime: { database } } : {}) },
        asterisk: { cli: ast!.cliArgv, reload: ast!.reloadArgv, timeout: '120s' },
        stateDir: join(root, 'state'),
        verify,
      }, join(root, 'reconciler.yaml'));
      // when each event was logged: the reload step runs from `live.written` to `asterisk.reloaded`, verify on to `asterisk.verified`
      const log = createLogger({ write: (line) => { events.push({ at: Date.now(), event: eventOf(line) }); } });
      const deps = await loadPassDeps(config, { log, target: new LocalTarget({ killGraceMs: 500 }) });
      return () => boundedPass(runPass(deps, { trigger: 'bench' }), `${strategy} pass`);
    };

    // the starting state: every extension applied by the reconciler, verify off for the file strategy's
    // setup pass only; the realtime one verifies (the rows of a sample of 100 extensions shown, the rest
    // looked for in the tables: 7.2 s of a 44 s first apply at 10,000); the measured pass verifies
    const first = applied(await (await passWith(strategy === 'realtime-sqlite'))(), `${strategy}: first apply of ${COUNT} extensions`);

    loop = await startRegisterLoop({ port: ast.udpPort, user: PHONE, password: passwords.get(PHONE)! }, LIMIT_MS);
    const before = await loop.once();
    if (before.status !== 200) throw new Error(`${strategy}: phone ${PHONE} could not register before the change (answer ${before.status || 'none'})`);

    remote.commit({ [`extensions/${CHANGED}.yaml`]: extensionYaml(CHANGED, 'Phone 0 renamed') }, `rename ${CHANGED}`);
    const pass = await passWith(true);
    const reloadsBefore = loggedReloads(ast);
    loop.start(INTERVAL_MS);
    await sleep(LEAD_MS);
    const start = Date.now();
    const r = applied(await pass(), `${strategy}: one extension changed`);
    const end = Date.now();
    await sleep(MARGIN_MS);
    const samples = await loop.stop();
    const reloads = loggedReloads(ast) - reloadsBefore;
    const shown = await ast.cli(`pjsip show endpoint ${CHANGED}`);
    if (!shown.includes('Phone 0 renamed')) throw new Error(`${strategy}: Asterisk does not show the new callerid of ${CHANGED} after the apply`);
    const stepMs = (name: string) => r.steps?.find((s) => s.name === name)?.ms;
    const at = (event: string) => events.find((e) => e.at >= start && e.event === event)?.at;
    const [written, reloaded, verified] = [at('live.written'), at('asterisk.reloaded'), at('asterisk.verified')];
    if (process.env.BENCH_SAMPLES) {
      writeFileSync(`${process.env.BENCH_SAMPLES}.${strategy}.json`, JSON.stringify({ start, end, events: events.filter((e) => e.at >= start), samples }, null, 1));
    }
    return { strategy, firstApplyMs: first.durationMs, applyMs: end - start, reloadMs: stepMs('reload'), reloads,
      reloaded: r.reloaded, reloadWindow: written && reloaded ? { start: written, end: reloaded } : undefined,
      verifyWindow: reloaded && verified ? { start: reloaded, end: verified } : undefined, firstSteps: slow(first), steps: slow(r), samples, window: { start, end } };
  } finally {
    loop?.kill();
    await ast?.stop();
    rmSync(root, { recursive: true, force: true });
    roots.delete(root);
  }
}

process.stdout.write(`registrations benchmark: ${COUNT} extensions, one changed (${CHANGED} renamed), phone ${PHONE} ` +
  `registering every ${INTERVAL_MS} ms (no final answer within ${LIMIT_MS / 1000} s: failed); Asterisk ${ASTERISK_VERSION}, Node ${process.version}\n`);
try {
  const file = await measure('file');
  const realtime = await measure('realtime-sqlite');
  printComparison(file, realtime, { limitMs: LIMIT_MS });
} catch (err) {
  // the benchmark itself broke (not a goal missed): say why and exit now, whatever is still pending
  process.stderr.write(`registrations benchmark FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
// the machine is shared: its load says how much the figures may owe to others
process.stdout.write(`  load average at the end (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}\n`);
