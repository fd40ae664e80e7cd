// A real Asterisk 22.10.1 for tests: its own asterisk.conf with every writable directory in a temp
// folder, loopback transports on free ports, the runbook's dialplan, and a log file to show on failure.
// It runs in the foreground as our child (`-f`) and is stopped by pid, also when a test fails or the
// run is interrupted. Several can run at once: nothing is shared but the build's modules.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ASTERISK_VERSION = '22.10.1';
const READY_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 30_000; // a reload can take seconds on a busy 2-core machine (BEHAVIOR.md)
const STOP_WAIT_MS = 10_000;

export interface AsteriskBuild {
  bin: string;
  /** the install prefix: modules in <prefix>/lib/asterisk/modules, data in <prefix>/var/lib/asterisk */
  prefix: string;
}

function executable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

/**
 * The Asterisk build to test with, or null: env ASTERISK_BIN, else $ASTERISK_PREFIX/sbin/asterisk,
 * else the build script's default prefix under the home folder; a prefix counts once build.sh
 * finished it (`.build-complete`). test/run.mjs repeats this lookup (it cannot import TypeScript).
 */
export function findAsterisk(): AsteriskBuild | null {
  const fromEnv = process.env.ASTERISK_BIN;
  if (fromEnv) {
    const prefix = dirname(dirname(fromEnv));
    return executable(fromEnv) ? { bin: fromEnv, prefix } : null;
  }
  const prefix = process.env.ASTERISK_PREFIX || join(homedir(), `.cache/asterisk-${ASTERISK_VERSION}`);
  const bin = join(prefix, 'sbin/asterisk');
  return executable(bin) && existsSync(join(prefix, '.build-complete')) ? { bin, prefix } : null;
}

export interface TransportDecl { name: string; protocol: string }

/** The transports extensions/site.yaml declares (names and protocols; ports are ours to choose). */
export function siteTransports(siteYaml = fileURLToPath(new URL('../../extensions/site.yaml', import.meta.url))): TransportDecl[] {
  const site = parse(readFileSync(siteYaml, 'utf8')) as { transports?: Record<string, { protocol: string }> };
  return Object.entries(site.transports ?? {}).map(([name, t]) => ({ name, protocol: t.protocol }));
}

const handedOut = new Set<number>();

/** A loopback port free for both UDP and TCP right now (bind 0, read, close), never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    if (handedOut.has(port)) continue;
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!tcpFree) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free loopback port found in 50 attempts');
}

export interface StartOptions {
  /** transports for pjsip.conf (default: the ones extensions/site.yaml declares) */
  transports?: TransportDecl[];
  /** the first pjsip_wizard.conf (default: empty) */
  wizard?: string;
  /** endpoints, aors and auths from these SQLite realtime tables (res_config_sqlite3, no cache) */
  realtime?: { database: string };
  /** config files of etc/ written over the ones made here (a realtime setup missing a line) */
  files?: Record<string, string>;
}

/** sorcery.conf, extconfig.conf and res_config_sqlite3.conf for the realtime strategy (as `realtime setup` prints them). */
function realtimeConfigs(database: string): Record<string, string> {
  const tables = { endpoint: 'ps_endpoints', aor: 'ps_aors', auth: 'ps_auths' };
  const lines = (l: string[]) => `${l.join('\n')}\n`;
  return {
    'sorcery.conf': lines(['[res_pjsip]', ...Object.entries(tables).map(([o, t]) => `${o}=realtime,${t}`)]),
    'extconfig.conf': lines(['[settings]', ...Object.values(tables).map((t) => `${t} => sqlite3,asterisk,${t}`)]),
    // batch = 0: the reconciler writes the file from another process
    'res_config_sqlite3.conf': lines(['[asterisk]', `dbfile => ${database}`, 'requirements = warn', 'batch = 0']),
  };
}

export interface RealAsterisk {
  home: string;
  confPath: string;
  pid: number;
  /** the CLI prefix as the reconciler's `asterisk.cli` setting takes it: the command is appended */
  cliArgv: string[];
  /** the reload command as the reconciler's `asterisk.reload` setting takes it */
  reloadArgv: string[];
  /** the pjsip_wizard.conf this Asterisk reads */
  wizardFile: string;
  ports: { sip: Record<string, number>; http: number };
  /** the UDP transport's port (the first udp transport) */
  udpPort: number;
  /** ws://127.0.0.1:<http>/ws */
  wsUrl: string;
  /** runs one CLI command; rejects when Asterisk could not be reached */
  cli(command: string): Promise<string>;
  /** `module reload res_pjsip.so`; rejects unless Asterisk says `reloaded successfully` */
  reload(): Promise<string>;
  /** writes pjsip_wizard.conf and reloads */
  applyWizard(text: string): Promise<string>;
  /** the messages log so far */
  logText(): string;
  /** the last lines of the log, for a failure message */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

// every running instance, so an exit or a signal stops them all
const running = new Map<number, { child: ChildProcess; home: string }>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const [pid, { home }] of running) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    if (!process.env.KEEP_ASTERISK_HOME) rmSync(home, { recursive: true, force: true });
  }
  running.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => { killAllNow(); process.exit(code); });
  }
}

function groupName(gid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === gid) return name;
    }
  } catch { /* no /etc/group: let Asterisk keep its group */ }
  return undefined;
}

function run(argv: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configs(dir: string, build: AsteriskBuild, transports: TransportDecl[], ports: RealAsterisk['ports']): Record<string, string> {
  const user = userInfo();
  const group = groupName(user.gid);
  const d = (name: string) => join(dir, name);
  const pjsip = transports.map((t) => {
    if (t.protocol === 'udp' || t.protocol === 'tcp') {
      return `[${t.name}]\ntype = transport\nprotocol = ${t.protocol}\nbind = 127.0.0.1:${ports.sip[t.name]}\n`;
    }
    if (t.protocol === 'ws') return `[${t.name}]\ntype = transport\nprotocol = ws\nbind = 127.0.0.1\n`; // served by the HTTP server
    throw new Error(`transport ${t.name}: protocol ${t.protocol} is not supported by the test harness`);
  }).join('\n');
  return {
    'asterisk.conf': [
      '[directories]',
      `astetcdir => ${d('etc')}`,
      `astmoddir => ${join(build.prefix, 'lib/asterisk/modules')}`,
      `astvarlibdir => ${d('lib')}`,
      `astdbdir => ${d('lib')}`,
      `astkeydir => ${d('lib')}`,
      `astdatadir => ${join(build.prefix, 'var/lib/asterisk')}`,
      `astagidir => ${d('agi-bin')}`,
      `astspooldir => ${d('spool')}`,
      `astrundir => ${d('run')}`,
      `astlogdir => ${d('log')}`,
      `astcachedir => ${d('cache')}`,
      `astsbindir => ${dirname(build.bin)}`,
      '[options]',
      `runuser = ${user.username}`,
      ...(group ? [`rungroup = ${group}`] : []),
      'execincludes = no', // a `#exec` that reached the wizard file must not run anything
      'nocolor = yes',
      '',
    ].join('\n'),
    'modules.conf': [
      '[modules]',
      'autoload = yes',
      ...['chan_dahdi.so', 'res_hep.so', 'res_hep_pjsip.so', 'res_hep_rtcp.so', 'res_pktccops.so',
        'chan_iax2.so', 'cdr_custom.so', 'res_phoneprov.so', 'res_pjsip_phoneprov_provider.so']
        .map((m) => `noload => ${m}`),
      '',
    ].join('\n'),
    'logger.conf': '[general]\ndateformat = %F %T.%3q\n[logfiles]\nmessages => notice,warning,error,verbose\n',
    'http.conf': `[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = ${ports.http}\n`,
    'pjsip.conf': pjsip,
    'extensions.conf': [
      '[general]',
      'static = yes',
      'writeprotect = yes',
      '[internal]',
      'exten => _6XXX,1,Dial(PJSIP/${EXTEN},20)',
      'exten => _7XXX,1,Dial(PJSIP/${EXTEN},20)',
      '',
    ].join('\n'),
    'rtp.conf': '[general]\nrtpstart = 20000\nrtpend = 40000\n',
    // lets a test ask a phone to hang up: `pjsip send notify test-hangup channel <name>` (in-dialog)
    'pjsip_notify.conf': '[test-hangup]\nEvent => x-test-hangup\n',
  };
}

/** Starts a sandboxed Asterisk and resolves once it answers the CLI with res_pjsip loaded. */
export async function startAsterisk(opts: StartOptions = {}): Promise<RealAsterisk> {
  const build = findAsterisk();
  if (!build) throw new Error(`no Asterisk ${ASTERISK_VERSION} build found (run ../shared/asterisk/build.sh or set ASTERISK_BIN)`);
  installExitHandlers();
  const transports = opts.transports ?? siteTransports();
  const home = mkdtempSync(join(tmpdir(), 'real-asterisk-'));
  for (const sub of ['etc', 'lib', 'agi-bin', 'spool', 'run', 'log', 'cache']) mkdirSync(join(home, sub));
  const sip: Record<string, number> = {};
  for (const t of transports) if (t.protocol === 'udp' || t.protocol === 'tcp') sip[t.name] = await freePort();
  const ports = { sip, http: await freePort() };
  const confPath = join(home, 'etc/asterisk.conf');
  const files = { ...configs(home, build, transports, ports), ...(opts.realtime ? realtimeConfigs(opts.realtime.database) : {}), ...opts.files };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, 'etc', name), text);
  const wizardFile = join(home, 'etc/pjsip_wizard.conf');
  writeFileSync(wizardFile, opts.wizard ?? '');
  const logFile = join(home, 'log/messages');

  const child = spawn(build.bin, ['-C', confPath, '-f', '-n'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: home });
  let stderr = '';
  child.stderr!.on('data', (b) => { if (stderr.length < 20_000) stderr += b; });
  let exited: number | string | null = null;
  const exitedP = new Promise<void>((resolve) => child.once('exit', (code, sig) => { exited = code ?? sig ?? 'gone'; running.delete(child.pid!); resolve(); }));
  if (!child.pid) throw new Error(`could not start ${build.bin}`);
  running.set(child.pid, { child, home });

  const cliArgv = [build.bin, '-C', confPath, '-rx'];
  const logText = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  // what happened since boot: the module loader's start-up noise says nothing about a failed test
  const logTail = (lines = 30) => {
    const text = logText();
    const ready = text.lastIndexOf('Asterisk Ready.');
    const after = ready >= 0 ? text.slice(text.indexOf('\n', ready) + 1) : text;
    return after.split('\n').slice(-lines - 1).join('\n');
  };

  async function cli(command: string): Promise<string> {
    const r = await run([...cliArgv, command], CLI_TIMEOUT_MS);
    if (r.code !== 0 || /^Unable to connect to remote asterisk/m.test(r.stderr + r.stdout)) {
      throw new Error(`asterisk -rx ${JSON.stringify(command)} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    }
    return r.stdout;
  }

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (exited === null) {
      await run([...cliArgv, 'core stop now'], 5_000);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exitedP, new Promise((r) => { timer = setTimeout(r, STOP_WAIT_MS); })]);
      clearTimeout(timer); // a pending timer would keep the test process alive for its whole length
      if (exited === null) { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } await exitedP; }
    }
    running.delete(child.pid!);
    if (!process.env.KEEP_ASTERISK_HOME) rmSync(home, { recursive: true, force: true });
  }

  const fail = async (why: string): Promise<never> => {
    const tail = bootTail();
    const err = stderr.trim();
    await stop();
    throw new Error(`Asterisk did not become ready: ${why}\n--- log tail ---\n${tail}${err ? `\n--- stderr ---\n${err}` : ''}`);
  };

  // ready = the CLI answers with our version AND res_pjsip is running (bounded; stops early if it exits)
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  let last = '';
  const bootTail = () => logText().split('\n').slice(-40).join('\n');
  while (!ready && Date.now() < deadline) {
    if (exited !== null) return fail(`it exited (${exited})`);
    const v = await run([...cliArgv, 'core show version'], 5_000);
    last = (v.stdout + v.stderr).trim();
    if (v.code === 0 && v.stdout.includes(`Asterisk ${ASTERISK_VERSION}`)) {
      const m = await run([...cliArgv, 'module show like res_pjsip.so'], 5_000);
      last = m.stdout.trim();
      ready = /^res_pjsip\.so\s.*\sRunning\b/m.test(m.stdout);
    }
    if (!ready) await sleep(250);
  }
  if (!ready) return fail(`not ready within ${READY_TIMEOUT_MS / 1000} s; last answer: ${last}`);
  await cli('core waitfullybooted');

  // a port taken by someone else between our probe and Asterisk's bind shows as a missing listener
  const shownTransports = await cli('pjsip show transports');
  for (const t of transports) {
    if (!shownTransports.includes(t.name)) return fail(`transport ${t.name} is not loaded:\n${shownTransports}`);
  }
  const http = await cli('http show status');
  if (!http.includes(`127.0.0.1:${ports.http}`)) return fail(`the HTTP server is not on port ${ports.http}:\n${http}`);

  async function reload(): Promise<string> {
    const out = await cli('module reload res_pjsip.so');
    if (!out.includes('reloaded successfully')) throw new Error(`reload did not succeed: ${out.trim()}`);
    return out;
  }

  const udp = transports.find((t) => t.protocol === 'udp');
  return {
    home, confPath, pid: child.pid, cliArgv,
    reloadArgv: [...cliArgv, 'module reload res_pjsip.so'],
    wizardFile, ports,
    udpPort: udp ? sip[udp.name]! : 0,
    wsUrl: `ws://127.0.0.1:${ports.http}/ws`,
    cli, reload,
    async applyWizard(text: string) { writeFileSync(wizardFile, text); return reload(); },
    logText, logTail, stop,
  };
}

/** Wraps a test body: a failure carries the Asterisk log's tail, so the cause is in the test output. */
export function withLog(ast: () => RealAsterisk | undefined, body: () => Promise<void> | void): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (err) {
      const a = ast();
      if (a && err instanceof Error) err.message += `\n--- Asterisk log since boot (last lines) ---\n${a.logTail(20)}`;
      throw err;
    }
  };
}

// -- reading CLI output ----------------------------------------------------------------------------

/** `ParameterName : value` rows of `pjsip show endpoint|aor|auth <id>` (first row of a name wins). */
export function parameterRows(out: string): Map<string, string> {
  const rows = new Map<string, string>();
  let inParams = false;
  for (const line of out.split('\n')) {
    if (/^\s*ParameterName\s*:\s*ParameterValue/.test(line)) { inParams = true; continue; }
    if (!inParams) continue;
    const m = /^\s*([A-Za-z0-9_@.-]+)\s*:\s?(.*)$/.exec(line);
    if (m && !rows.has(m[1]!)) rows.set(m[1]!, m[2]!.trimEnd());
  }
  return rows;
}

/** Endpoint ids listed by `pjsip show endpoints`. */
export function endpointIds(out: string): string[] {
  return [...out.matchAll(/^\s*Endpoint:\s+([^/\s]+)\/\S*/gm)].map((m) => m[1]!).filter((id) => !id.startsWith('<'));
}
