// `pjsip-gitops inspect --config F [--extension N] [--problems] [--fetch] [--format text|json]`: per
// extension, Git beside Asterisk — the runbook's troubleshooting table in one command. Read-only.
import { ConfigError, loadConfig } from '../../reconciler/config.js';
import { messageOf } from '../../reconciler/errors.js';
import { inspect, type InspectReport } from '../../reconciler/inspect.js';
import type { InspectRow } from '../../reconciler/inspect-model.js';
import { createTarget } from '../../reconciler/targets/index.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'inspect',
  help: `usage: pjsip-gitops inspect --config <reconciler.yaml> [--extension N] [--problems] [--fetch] [--format text|json]

One row per extension in Git or endpoint in Asterisk: in Git, loaded in Asterisk, its aor and auth
present, the transport, the registered contacts (address, user agent, status, RTT where qualify is
on), and what is wrong. Git is the reconciler's checkout at its current commit, compiled as a pass
compiles it; Asterisk is asked with 'pjsip show' commands only. Nothing is written, nothing reloaded.

options:
  --config <file>      the reconciler config (its checkout, target and Asterisk CLI are used)
  --extension <n>      only this extension, looked at closely: Asterisk's effective options
                       compared with Git's (problem rows are compared too)
  --problems           only rows with a problem
  --fetch              fetch the branch first and show its head (the checkout's files are not touched)
  --format text|json   (default text)
  -h, --help           this text

problems: NotInGit, NotLoaded, AorMissing, AuthMissing, TransportMissing, TransportProtocol,
  WrongTransport, NotRegistered, ContactUnreachable, OptionsDiffer, GitDoesNotCompile

exit codes: 0 no problems, 1 problems found, 2 usage or config error (or no checkout yet),
  3 Asterisk could not be reached
`,
  options: {
    config: { type: 'string', short: 'c' },
    extension: { type: 'string' },
    problems: { type: 'boolean', default: false },
    fetch: { type: 'boolean', default: false },
    format: { type: 'string', default: 'text' },
  },
});

const mark = (v: boolean | null) => (v === null ? '-' : v ? 'yes' : 'NO');

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function transportCell(r: InspectRow): string {
  const { git, asterisk } = r.transport;
  if (!git && !asterisk) return '-';
  return git && asterisk && git !== asterisk ? `${asterisk} (git: ${git})` : (asterisk ?? git)!;
}

/** The report as a person reads it: the table, then per row its contacts, differing options and problems. */
export function formatReport(report: InspectReport, closeLook: boolean): string {
  const out: string[] = [`git: commit ${report.git.commit.slice(0, 12)}${report.git.error ? ` — ${report.git.error}` : ''}`];
  if (!closeLook && report.transports.length) {
    out.push('', 'transports:');
    const rows = [['name', 'site.yaml', 'asterisk', 'bind', 'problems']];
    for (const t of report.transports) {
      rows.push([t.name, t.protocol ?? '-', t.asterisk?.protocol ?? 'MISSING', t.asterisk?.bind ?? '-', t.problems.map((p) => p.code).join(', ') || 'ok']);
    }
    out.push(...table(rows).map((l) => `  ${l}`));
  }
  out.push('');
  if (!report.extensions.length) out.push('no extension to show');
  else {
    const rows = [['ext', 'name', 'template', 'git', 'loaded', 'aor', 'auth', 'transport', 'contacts', 'problems']];
    for (const r of report.extensions) {
      rows.push([r.number, r.name ?? '-', r.template ?? (r.source === 'other' ? '(pjsip.conf)' : '-'), mark(r.inGit), mark(r.loaded),
        mark(r.aor), mark(r.auth), transportCell(r), String(r.contacts.length), r.problems.map((p) => p.code).join(', ') || 'ok']);
    }
    out.push(...table(rows));
  }
  for (const r of report.extensions) {
    const details: string[] = [];
    for (const c of r.contacts) {
      details.push(`contact ${c.address}  ${c.status}${c.rttMs !== null ? ` ${c.rttMs} ms` : ''}${c.userAgent ? `  "${c.userAgent}"` : ''}  ${c.uri}`);
    }
    for (const d of r.optionDiffs ?? []) details.push(`~ ${d.option}: git ${JSON.stringify(d.git)}, asterisk ${JSON.stringify(d.asterisk)}`);
    for (const p of r.problems) details.push(`${p.code}: ${p.message}`);
    if (details.length) out.push('', `${r.number}:`, ...details.map((d) => `  ${d}`));
  }
  out.push('', report.problems ? `${report.problems} problem${report.problems === 1 ? '' : 's'}` : 'no problems');
  return out.join('\n') + '\n';
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values }) => {
    if (!values.config) throw new UsageError('--config is required');
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
    if (values.extension !== undefined && !/^[0-9A-Za-z_.@+-]{1,79}$/.test(values.extension)) {
      throw new UsageError(`--extension '${values.extension}' is not an extension number`);
    }
    let config;
    try {
      config = await loadConfig(values.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`pjsip-gitops inspect: the config has problems:\n${err.message}\n`);
      return 2;
    }
    let target;
    try {
      target = await createTarget(config);
    } catch (err) {
      io.stderr.write(`pjsip-gitops inspect: cannot reach the target: ${messageOf(err)}\n`);
      return 3;
    }
    try {
      const r = await inspect(config, target, {
        ...(values.extension !== undefined ? { extension: values.extension } : {}), problemsOnly: values.problems, fetch: values.fetch });
      if (!r.ok) {
        io.stderr.write(`pjsip-gitops inspect: ${r.failure === 'asterisk' ? 'Asterisk could not be reached' : 'cannot read Git'}: ${r.message}\n`);
        return r.failure === 'asterisk' ? 3 : 2;
      }
      io.stdout.write(values.format === 'json' ? JSON.stringify(r.report, null, 2) + '\n' : formatReport(r.report, values.extension !== undefined));
      return r.report.problems ? 1 : 0;
    } finally {
      await target.close().catch(() => {});
    }
  });
}
