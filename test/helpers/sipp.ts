// Runs SIPp (Debian's sip-tester) against a test Asterisk on loopback: every SIPp gets its own SIP,
// media and control ports, a working folder for its error log, and a bounded run time.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './real-asterisk.js';

/** a SIP port for a SIPp that must keep it across runs (register, then answer on it) */
export const freePortForSipp = freePort;

export const SCENARIOS = fileURLToPath(new URL('../real/scenarios/', import.meta.url));

export function findSipp(): string | null {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore' });
    return 'sipp';
  } catch (e) {
    // sipp -v exits non-zero on some builds; being found is what counts
    return (e as { code?: string }).code === 'ENOENT' ? null : 'sipp';
  }
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A media port for SIPp: it binds this one and this + 2 (audio and video echo). */
async function mediaPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p < 65530 && (await udpFree(p + 2))) return p;
  }
  throw new Error('no free media port pair');
}

export interface SippRun {
  /** the local SIP port it uses */
  port: number;
  child: ChildProcess;
  /** resolves with the exit code when SIPp ends (0: every call passed) */
  done: Promise<{ code: number | null; output: string; errors: string }>;
}

export interface SippOptions {
  scenario: string;
  /** the -s value: the request URI's user */
  service: string;
  /** -au/-ap: digest credentials */
  auth?: { user: string; password: string };
  /** local SIP port (default: a free one) */
  port?: number;
  /** -key name value pairs for the scenario's [name] keywords */
  keys?: Record<string, string>;
  /** folder SIPp runs in (its error log and marker files land there) */
  cwd: string;
  /** SIPp's own global timeout in seconds: a stuck scenario fails instead of hanging the test */
  timeoutS?: number;
  /** a server scenario (first message is a recv): no remote address */
  server?: boolean;
  remotePort?: number;
}

/** Starts SIPp; its `done` never rejects, it reports the exit code and SIPp's error log. */
export async function startSipp(o: SippOptions): Promise<SippRun> {
  const port = o.port ?? await freePort();
  const errorFile = join(o.cwd, `${o.scenario.replace(/\.xml$/, '')}-${port}-errors.log`);
  const args = [
    ...(o.server ? [] : [`127.0.0.1:${o.remotePort}`]),
    '-sf', join(SCENARIOS, o.scenario),
    '-s', o.service,
    '-i', '127.0.0.1', '-p', String(port),
    '-mp', String(await mediaPort()), '-cp', String(await freePort()),
    '-m', '1', '-nostdin',
    '-timeout', `${o.timeoutS ?? 15}s`, '-timeout_error',
    '-trace_err', '-error_file', errorFile,
  ];
  if (o.auth) args.push('-au', o.auth.user, '-ap', o.auth.password);
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
  const child = spawn('sipp', args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output = (output + d).slice(-4000); });
  child.stderr!.on('data', (d) => { output = (output + d).slice(-4000); });
  const done = new Promise<{ code: number | null; output: string; errors: string }>((resolve) => {
    child.once('close', (code) => {
      const errors = existsSync(errorFile) ? readFileSync(errorFile, 'utf8') : '';
      resolve({ code, output, errors: errors.slice(-3000) });
    });
  });
  return { port, child, done };
}

/** Runs SIPp to its end. */
export async function runSipp(o: SippOptions): Promise<{ code: number | null; output: string; errors: string; port: number }> {
  const r = await startSipp(o);
  return { ...(await r.done), port: r.port };
}

/** What a failed SIPp run printed, without the password it was given. */
export function sippReport(r: { code: number | null; output: string; errors: string }, password?: string): string {
  const text = `SIPp exit ${r.code}\n${r.errors}\n${r.output.split('\n').filter((l) => /error|fail|unexpected|timeout|aborted/i.test(l)).slice(-20).join('\n')}`;
  return password ? text.split(password).join('(secret)') : text;
}

/** Marker files a scenario wrote with <exec command="touch …"/>. */
export function markers(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('marker-'));
}
