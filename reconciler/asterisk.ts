// Talks to Asterisk through a Target with `asterisk -rx`. Asterisk exits 0 for `No such command` and
// `No such module` (asterisk/BEHAVIOR.md), so no exit code is trusted alone: every answer is read.
import { redactCliRows } from '../compiler/secrets-policy.js';
import type { ExecResult, Target } from './target.js';

export type AsteriskFailure =
  | 'no-such-command' | 'no-such-module' | 'queued' | 'in-progress'
  | 'unreachable' | 'timeout' | 'unexpected-output';

export interface AsteriskOptions {
  /** the CLI prefix; the command is appended as one argument. Default ['asterisk', '-rx'] */
  cli: string[];
  /** the full reload argv. Default ['asterisk', '-rx', 'module reload res_pjsip.so'] */
  reload: string[];
  timeoutMs: number;
  /**
   * A reload that answered nothing useful after this long outlasted `asterisk -rx` (below): its
   * outcome is unknown, not failed. Default OUTLASTED_CLI_AFTER_MS; only tests set it shorter.
   */
  outlastedCliAfterMs?: number;
}

export const DEFAULT_ASTERISK_OPTIONS: AsteriskOptions = {
  cli: ['asterisk', '-rx'],
  reload: ['asterisk', '-rx', 'module reload res_pjsip.so'],
  timeoutMs: 30_000,
};

export type Outcome<T> =
  | { ok: true; value: T; output: string }
  | { ok: false; reason: AsteriskFailure; detail: string };

const DETAIL_MAX = 300;

/** At most ~300 characters of command output, on one line, for logs and status. */
export function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > DETAIL_MAX ? `${flat.slice(0, DETAIL_MAX - 1)}…` : flat;
}

const options = (o: Partial<AsteriskOptions>): AsteriskOptions => ({ ...DEFAULT_ASTERISK_OPTIONS, ...o });

// answers that mean "not done", whatever the exit code says; first match wins. Anchored to whole
// lines, so a display name shown by `pjsip show endpoint` cannot pass for one of them.
const FAILURE_TEXTS: [RegExp, AsteriskFailure][] = [
  [/^Unable to connect to remote asterisk/m, 'unreachable'],
  [/^No such command '/m, 'no-such-command'],
  [/^No such module '/m, 'no-such-module'],
  [/request queued\.?\s*$/m, 'queued'],
  [/^A module reload request is already in progress/m, 'in-progress'],
];

/** Sorts one CLI answer: a failure reason, or null when it may be read as an answer. */
export function classify(r: ExecResult, timeoutMs: number): { reason: AsteriskFailure; detail: string } | null {
  if (r.timedOut) return { reason: 'timeout', detail: `no answer within ${timeoutMs} ms; the command was killed` };
  const text = `${r.stdout}\n${r.stderr}`;
  for (const [pattern, reason] of FAILURE_TEXTS) {
    if (pattern.test(text)) return { reason, detail: clip(text) };
  }
  if (r.code !== 0) return { reason: 'unexpected-output', detail: clip(`exit ${r.code}: ${text}`) };
  return null;
}

async function execute(t: Target, argv: string[], timeoutMs: number): Promise<ExecResult | { reason: AsteriskFailure; detail: string }> {
  try {
    return await t.exec(argv, timeoutMs);
  } catch (err) {
    // the target itself failed (SSH connection lost, docker missing): Asterisk was not reached
    return { reason: 'unreachable', detail: clip(`${t.describe}: ${err instanceof Error ? err.message : String(err)}`) };
  }
}

/**
 * Runs one CLI command and hands its stdout to `read`, which returns null when it makes no sense.
 * `redact` rewrites the text before it can reach a detail or `output` (logs, status).
 */
export async function query<T>(t: Target, o: Partial<AsteriskOptions>, command: string, read: (stdout: string) => T | null,
  redact: (text: string) => string = (x) => x): Promise<Outcome<T>> {
  const opts = options(o);
  const raw = await execute(t, [...opts.cli, command], opts.timeoutMs);
  if ('reason' in raw) return { ok: false, ...raw };
  const r = { ...raw, stdout: redact(raw.stdout), stderr: redact(raw.stderr) };
  const failure = classify(r, opts.timeoutMs);
  if (failure) return { ok: false, ...failure };
  const value = read(raw.stdout);
  if (value === null) return { ok: false, reason: 'unexpected-output', detail: clip(`'${command}' answered: ${r.stdout}${r.stderr}`) };
  return { ok: true, value, output: r.stdout };
}

/** Reloads the wizard file. Done only when Asterisk says `reloaded successfully`. */
export async function reload(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<void>> {
  const opts = options(o);
  const r = await execute(t, opts.reload, opts.timeoutMs);
  if ('reason' in r) return { ok: false, ...r };
  const failure = classify(r, opts.timeoutMs);
  if (failure) return { ok: false, ...failure };
  if (!/reloaded successfully/.test(r.stdout)) {
    return { ok: false, reason: 'unexpected-output', detail: clip(`reload answered: ${r.stdout}${r.stderr}`) };
  }
  return { ok: true, value: undefined, output: r.stdout };
}

/**
 * `asterisk -rx` waits for the answer by polling Asterisk's control socket with a 60,000 ms timeout
 * and exits (0, with whatever it printed) once 60 s pass with no output (main/asterisk.c of 22.10.1,
 * ast_remotecontrol: `ast_poll(&fds, 1, 60000)`); Asterisk goes on with the command. A reload over a
 * minute long (10,024 endpoints on a loaded 2-core host took 64 s) so comes back silent while it runs.
 */
export const CLI_SILENCE_LIMIT_MS = 60_000;
/** A reload that came back without an answer after this long outlasted the CLI's 60 s wait (a second spared for the CLI's own start). */
export const OUTLASTED_CLI_AFTER_MS = CLI_SILENCE_LIMIT_MS - 1_000;

/**
 * Whether a failed reload outlasted `asterisk -rx`: neither `reloaded successfully` nor a known failure
 * text (empty or unrelated output, whatever the exit code), after `elapsedMs` ≥ the threshold.
 */
export function outlastedCli(failure: { reason: AsteriskFailure }, elapsedMs: number, o: Partial<AsteriskOptions> = {}): boolean {
  return failure.reason === 'unexpected-output' && elapsedMs >= (o.outlastedCliAfterMs ?? OUTLASTED_CLI_AFTER_MS);
}

/**
 * The read-only question "is a module reload still running?": `module show like` lists the modules
 * under the loader's module list lock, which `module reload` holds from the start of the module's
 * reload to its end (main/loader.c of 22.10.1: ast_module_reload, ast_update_module_list). So it
 * answers only once the reload is over. Checked on a real 22.10.1 with 10,000 endpoints: asked 1 s
 * into a 26 s reload, it answered 10 ms after the reload did, while `pjsip show endpoints` answered
 * at once with the objects of before. (A second `module reload` answers "already in progress" at
 * once and queues nothing, but once the first is over it starts a reload of its own: no probe.)
 */
export const RELOAD_PROBE = 'module show like res_pjsip.so';

export type ReloadWait =
  | { idle: true; probes: number }
  | { idle: false; probes: number; reason: AsteriskFailure; detail: string };

/**
 * Waits until no module reload runs in Asterisk, at most until `deadline` (a performance.now()
 * time). A probe the CLI gave up on (silent after 60 s) means still reloading: asked again.
 */
export async function waitReloadIdle(t: Target, o: Partial<AsteriskOptions>, deadline: number): Promise<ReloadWait> {
  let probes = 0;
  let last = 'not asked';
  for (;;) {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) return { idle: false, probes, reason: 'timeout', detail: `still reloading when the wait ended (last probe: ${last})` };
    probes++;
    const t0 = performance.now();
    const r = await query(t, { ...o, timeoutMs: left }, RELOAD_PROBE, (s) => (/^\s*\d+ modules? loaded\s*$/m.test(s) ? true : null));
    if (r.ok) return { idle: true, probes };
    last = r.reason === 'timeout' ? `no answer within ${left} ms` : r.detail || '(no output)';
    // Asterisk gone or a CLI that does not know the probe: no way to tell, and no reason to keep asking
    if (r.reason !== 'timeout' && r.reason !== 'unexpected-output') return { idle: false, probes, reason: r.reason, detail: r.detail };
    // an answer that came at once but was no listing: do not ask in a tight loop
    if (performance.now() - t0 < 1000) await new Promise((res) => setTimeout(res, Math.min(1000, Math.max(0, deadline - performance.now()))));
  }
}

/**
 * Reads `pjsip show endpoints`: endpoint id → callerid number ('' when it has none). Null when the
 * text is not such a listing, or when its `Objects found: N` does not match the rows (cut output).
 */
export function parseEndpoints(text: string): Map<string, string> | null {
  if (/^\s*No objects found\.\s*$/.test(text)) return new Map();
  const count = /^\s*Objects found:\s*(\d+)\s*$/m.exec(text);
  if (!count) return null;
  const endpoints = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*Endpoint:\s+(\S+)/.exec(line);
    if (!m || m[1]!.startsWith('<')) continue; // the legend row
    const field = m[1]!;
    const slash = field.indexOf('/');
    if (slash < 0) endpoints.set(field, '');
    else endpoints.set(field.slice(0, slash), field.slice(slash + 1));
  }
  return endpoints.size === Number(count[1]) ? endpoints : null;
}

export function showEndpoints(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Map<string, string>>> {
  return query(t, o, 'pjsip show endpoints', parseEndpoints);
}

/** `pjsip show endpoint <id>`: its `ParameterName : value` rows, or null when Asterisk has no such endpoint. */
export function parseEndpointParameters(text: string): Map<string, string> | null | undefined {
  if (/^\s*Unable to find object .*\.\s*$/.test(text)) return null;
  if (!/ParameterName\s*:\s*ParameterValue/.test(text)) return undefined;
  const params = new Map<string, string>();
  const body = text.slice(text.search(/ParameterName\s*:/));
  for (const line of body.split('\n').slice(1)) {
    const m = /^\s*(\S+)\s+:\s?(.*)$/.exec(line);
    if (m) params.set(m[1]!, m[2]!.trimEnd());
  }
  return params;
}

export async function showEndpoint(t: Target, id: string, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Map<string, string> | null>> {
  // the id becomes part of one CLI line: nothing that could add words to it
  if (!/^[0-9A-Za-z_.@+-]+$/.test(id)) return { ok: false, reason: 'unexpected-output', detail: clip(`not an endpoint id: ${id}`) };
  const r = await query(t, o, `pjsip show endpoint ${id}`, (s) => {
    const p = parseEndpointParameters(s);
    return p === undefined ? null : { params: p };
  });
  return r.ok ? { ok: true, value: r.value.params, output: r.output } : r;
}

export interface TransportInfo {
  name: string;
  protocol: string;
  bind: string;
}

/** Reads `pjsip show transports`; null when the text is not such a listing. */
export function parseTransports(text: string): TransportInfo[] | null {
  if (/^\s*No objects found\.\s*$/.test(text)) return [];
  if (!/^\s*Objects found:\s*\d+\s*$/m.test(text)) return null;
  const out: TransportInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*Transport:\s+(\S+)\s+(\S+)\s+\d+\s+\d+\s+(\S+)/.exec(line);
    if (m && !m[1]!.startsWith('<')) out.push({ name: m[1]!, protocol: m[2]!.toLowerCase(), bind: m[3]! });
  }
  return out;
}

export function showTransports(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<TransportInfo[]>> {
  return query(t, o, 'pjsip show transports', parseTransports);
}

export interface TransportDetail {
  protocol: string;
  /** `cert_file` as Asterisk reports it ('' when not set) */
  certFile: string;
}

/**
 * Reads `pjsip show transport <id>` (res_pjsip/config_transport.c cli_print_body, then the sorted
 * `ParameterName : value` rows of pjsip_cli.c): null when Asterisk has no such transport.
 */
export function parseTransportDetail(text: string): TransportDetail | null | undefined {
  const params = parseEndpointParameters(text);
  if (!params) return params;
  const protocol = params.get('protocol');
  return protocol === undefined ? undefined : { protocol: protocol.toLowerCase(), certFile: params.get('cert_file') ?? '' };
}

export async function showTransport(t: Target, id: string, o: Partial<AsteriskOptions> = {}): Promise<Outcome<TransportDetail | null>> {
  // the id becomes part of one CLI line: nothing that could add words to it
  if (!/^[0-9A-Za-z_.-]+$/.test(id)) return { ok: false, reason: 'unexpected-output', detail: clip(`not a transport id: ${id}`) };
  const r = await query(t, o, `pjsip show transport ${id}`, (s) => {
    const d = parseTransportDetail(s);
    return d === undefined ? null : { detail: d };
  }, redactCliRows); // the transport's `password` row is the private key's passphrase
  return r.ok ? { ok: true, value: r.value.detail, output: r.output } : r;
}

/**
 * Reads `core show translation`: the codecs Asterisk can transcode from (a row with at least one
 * cost). Null when the text is not that table. Opus is absent on an open-source build.
 */
export function parseTranslatableCodecs(text: string): Set<string> | null {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /Source Format \(Rows\)/.test(l));
  if (start < 0) return null;
  const rows = lines.slice(start + 1).filter((l) => l.trim() !== '');
  const header = rows.shift()?.trim().split(/\s+/);
  if (!header) return null;
  const codecs = new Set<string>();
  for (const row of rows) {
    const [name, ...cells] = row.trim().split(/\s+/);
    if (name && cells.some((c) => /^\d+$/.test(c))) codecs.add(name.toLowerCase());
  }
  return codecs;
}

export function showTranslatableCodecs(t: Target, o: Partial<AsteriskOptions> = {}): Promise<Outcome<Set<string>>> {
  return query(t, o, 'core show translation', parseTranslatableCodecs);
}

/** Compares what Asterisk loaded with what should (and should no longer) be there. */
export function checkLoaded(
  expected: string[],
  removed: string[],
  loaded: Map<string, string>,
): { ok: boolean; missing: string[]; stillPresent: string[] } {
  const missing = expected.filter((id) => !loaded.has(id));
  const stillPresent = removed.filter((id) => loaded.has(id));
  return { ok: missing.length === 0 && stillPresent.length === 0, missing, stillPresent };
}
