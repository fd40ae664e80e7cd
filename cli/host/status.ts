// `pjsip-gitops status --config F [--format text|json]`: what the reconciler last did, for a person
// (text) or a script (json: the status file as written). Exit 0 when the condition is Ready, 1
// otherwise (Failed, Stalled, or no pass yet), 2 for a usage or config problem.
import { ConfigError, loadConfig } from '../../reconciler/config.js';
import { readLockHolder, isLive } from '../../reconciler/lock.js';
import { runningLoop } from '../../reconciler/loop.js';
import { readStatusChecked, type Status } from '../../reconciler/state.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'status',
  help: `usage: pjsip-gitops status --config <reconciler.yaml> [--format text|json]
       pjsip-gitops status --state-dir <dir> [--format text|json]

Shows the reconciler's condition (Ready, Failed, Stalled) with its reason, whether writes are
suspended (pjsip-gitops suspend: since when, why), the last applied commit and content hash, the
last attempt, whether a reconcile loop runs, and the last passes.

options:
  --config <file>     the reconciler config (its stateDir is read)
  --state-dir <dir>   read this state directory instead of a config's
  --format text|json  json prints the status file as it is, with \`suspended\` as it is now (default text)
  -h, --help          this text

exit codes: 0 Ready, 1 Failed or Stalled (or no pass has run yet), 2 usage or config error
`,
  options: {
    config: { type: 'string', short: 'c' },
    'state-dir': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
});

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
  const s = status.suspended;
  if (s) lines.push(`suspended:     since ${when(s.since)}${ago(s.since, now)}${s.by ? ` by ${s.by}` : ''}: ${s.reason} (writes paused; pjsip-gitops resume)`);
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

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values }) => {
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
    if (!values.config === !values['state-dir']) throw new UsageError('give --config or --state-dir (one of them)');
    let stateDir: string;
    if (values.config) {
      try {
        stateDir = (await loadConfig(values.config)).stateDir;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.stderr.write(`pjsip-gitops status: the config has problems:\n${err.message}\n`);
        return 2;
      }
    } else {
      stateDir = values['state-dir']!;
    }
    const { status, repairs } = await readStatusChecked(stateDir);
    // shown without what is malformed; the reconciler's next pass writes the repaired file
    if (repairs.length) io.stderr.write(`pjsip-gitops status: status.json had malformed parts, not shown: ${repairs.join('; ')}\n`);
    if (values.format === 'json') io.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else io.stdout.write(`state:         ${stateDir}\n` + formatStatus(status, await describeRunning(stateDir)));
    return status.condition.type === 'Ready' ? 0 : 1;
  });
}
