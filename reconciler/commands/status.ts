// `pjsip-gitops status --config F [--format text|json]`: what the reconciler last did, for a person
// (text) or a script (json: the status file as written). Exit 0 when the condition is Ready, 1
// otherwise (Failed, Stalled, or no pass yet), 2 for a usage or config problem.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { readLockHolder, isLive } from '../lock.js';
import { runningLoop } from '../loop.js';
import { readStatusChecked, type Status } from '../state.js';

const HELP = `usage: pjsip-gitops status --config <reconciler.yaml> [--format text|json]
       pjsip-gitops status --state-dir <dir> [--format text|json]

Shows the reconciler's condition (Ready, Failed, Stalled) with its reason, the last applied commit
and content hash, the last attempt, whether a reconcile loop runs, and the last passes.

options:
  --config <file>     the reconciler config (its stateDir is read)
  --state-dir <dir>   read this state directory instead of a config's
  --format text|json  json prints the status file as it is (default text)
  -h, --help          this text

exit codes: 0 Ready, 1 Failed or Stalled (or no pass has run yet), 2 usage or config error
`;

const when = (iso: string | undefined): string => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');
const short = (commit: string | undefined): string => (commit ? commit.slice(0, 12) : '-');

function ago(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 120) return ` (${s} s ago)`;
  if (s < 7200) return ` (${Math.round(s / 60)} min ago)`;
  if (s < 172_800) return ` (${Math.round(s / 3600)} h ago)`;
  return ` (${Math.round(s / 86_400)} days ago)`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The status as a person reads it; `running` says whether a loop (or an apply) holds the target. */
export function formatStatus(status: Status, running: string, now: Date = new Date()): string {
  const c = status.condition;
  const lines: string[] = [];
  lines.push(`condition:     ${c.type} (${c.reason}) since ${when(c.since)}${ago(c.since, now)}`);
  lines.push(`message:       ${c.message}`);
  const a = status.lastApplied;
  if (a) {
    const n = a.extensions ? `, ${a.extensions.length} extensions` : '';
    lines.push(`last applied:  commit ${short(a.commit)}  hash ${a.hash.slice(0, 16)}  at ${when(a.time)}${ago(a.time, now)}${n}`);
  } else {
    lines.push('last applied:  never');
  }
  const t = status.lastAttempt;
  lines.push(t
    ? `last attempt:  ${when(t.time)}${ago(t.time, now)}  ${t.result} (${t.reason})  commit ${short(t.commit)}`
    : 'last attempt:  never');
  lines.push(`reconciler:    ${running}`);
  const k = status.counters;
  const passes = Object.entries(k.passes).filter(([, n]) => n).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
  lines.push(`counters:      passes: ${passes}; reloads ${k.reloads}; drift events ${k.driftEvents}`);
  if (status.history.length) {
    lines.push('', 'recent passes (newest first):');
    const rows = [['started', 'trigger', 'result', 'reason', 'commit', 'took', 'reloads']];
    for (const p of status.history.slice(0, 10)) {
      rows.push([when(p.startedAt), p.trigger ?? '-', p.result, String(p.reason), short(p.commit),
        `${(p.durationMs / 1000).toFixed(1)} s`, String(p.reloadCount ?? (p.reloaded ? 1 : 0))]);
    }
    lines.push(...table(rows).map((l) => `  ${l}`));
    const last = status.history[0];
    if (last && last.diagnostics?.length) {
      const more = (last.diagnosticsCount ?? 0) > last.diagnostics.length ? ` (the first ${last.diagnostics.length} of ${last.diagnosticsCount})` : '';
      lines.push('', `problems in the last pass${more}:`, ...last.diagnostics.map((d) => `  ${d}`));
    }
  }
  return lines.join('\n') + '\n';
}

async function describeRunning(stateDir: string): Promise<string> {
  const loop = await runningLoop(stateDir);
  if ('pid' in loop) return `reconcile loop running, pid ${loop.pid.pid} since ${when(loop.pid.startedAt)}`;
  const holder = await readLockHolder(stateDir);
  if (holder && isLive(holder)) return `no loop; the lock is held by pid ${holder.pid} on ${holder.hostname} (an apply?)`;
  return 'not running';
}

export async function run(args: string[]): Promise<number> {
  let values: { config?: string; 'state-dir'?: string; format?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        'state-dir': { type: 'string' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`pjsip-gitops status: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    process.stderr.write(`pjsip-gitops status: --format must be text or json, not '${values.format}'\n`);
    return 2;
  }
  if (!values.config === !values['state-dir']) {
    process.stderr.write(`pjsip-gitops status: give --config or --state-dir (one of them)\n\n${HELP}`);
    return 2;
  }
  let stateDir: string;
  if (values.config) {
    try {
      stateDir = (await loadConfig(values.config)).stateDir;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`pjsip-gitops status: the config has problems:\n${err.message}\n`);
      return 2;
    }
  } else {
    stateDir = values['state-dir']!;
  }
  const { status, repairs } = await readStatusChecked(stateDir);
  // shown without what is malformed; the reconciler's next pass writes the repaired file
  if (repairs.length) process.stderr.write(`pjsip-gitops status: status.json had malformed parts, not shown: ${repairs.join('; ')}\n`);
  if (values.format === 'json') process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  else process.stdout.write(`state:         ${stateDir}\n` + formatStatus(status, await describeRunning(stateDir)));
  return status.condition.type === 'Ready' ? 0 : 1;
}
