// The registrations benchmark's figures, side by side: what one apply cost each strategy, and how an
// unrelated phone's REGISTERs fared while it ran, beside the realtime strategy's goal (no reload, every
// REGISTER answered 200).
import type { RegisterSample } from './sip-udp.js';

interface Window { start: number; end: number }

export interface StrategyFigures {
  strategy: 'file' | 'realtime-sqlite';
  /** the starting state's pass (verify off) */
  firstApplyMs: number;
  /** the measured pass, start to end as the benchmark saw it */
  applyMs: number;
  /** its reload step; undefined when it had none */
  reloadMs?: number;
  /** reloads of res_pjsip Asterisk logged during the measured pass */
  reloads: number;
  /** what the pass says */
  reloaded: boolean;
  /** every REGISTER of the loop (lead, apply, margin) */
  samples: RegisterSample[];
  /** the reload step, in Date.now() time (from the log's live.written to asterisk.reloaded) */
  reloadWindow?: Window;
  /** the file strategy's verify after the reload (its listings of every endpoint, aor and auth) */
  verifyWindow?: Window;
  /** the first apply's steps that took 50 ms or more */
  firstSteps: { name: string; ms: number }[];
  /** the measured pass's steps that took 50 ms or more */
  steps: { name: string; ms: number }[];
  /** the measured pass, in Date.now() time */
  window: { start: number; end: number };
}

interface Counts { sent: number; ok: number; noAnswer: number; refused: number; latencies: number[] }

function counts(samples: RegisterSample[]): Counts {
  return {
    sent: samples.length,
    ok: samples.filter((s) => s.status === 200).length,
    noAnswer: samples.filter((s) => s.status === 0).length,
    refused: samples.filter((s) => s.status !== 0 && s.status !== 200).length,
    // a REGISTER never answered is slower than any answered one
    latencies: samples.map((s) => (s.status === 0 ? Infinity : s.ms)).sort((a, b) => a - b),
  };
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const seconds = (ms: number | undefined) => (ms === undefined ? 'none' : `${(ms / 1000).toFixed(2)} s`);

export function printComparison(file: StrategyFigures, realtime: StrategyFigures, o: { limitMs: number }): void {
  const during = (f: StrategyFigures) => counts(f.samples.filter((s) => s.sentAt >= f.window.start && s.sentAt <= f.window.end));
  const lead = (f: StrategyFigures) => counts(f.samples.filter((s) => s.sentAt < f.window.start));
  const after = (f: StrategyFigures) => counts(f.samples.filter((s) => s.sentAt > f.window.end));
  const ms = (v: number | undefined) => (v === undefined ? '-' : v === Infinity ? `>${o.limitMs / 1000} s` : `${Math.round(v)} ms`);
  const latency = (c: Counts) => `${ms(percentile(c.latencies, 50))} / ${ms(percentile(c.latencies, 95))} / ${ms(c.latencies.at(-1))}`;
  const share = (c: Counts) => (c.sent ? `${((100 * c.ok) / c.sent).toFixed(1)} %` : '-');
  const failed = (c: Counts) => `${c.noAnswer + c.refused} (${c.noAnswer} no answer, ${c.refused} refused)`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const [fd, rd] = [during(file), during(realtime)];
  const within = (f: StrategyFigures, w: Window | undefined) => (w ? counts(f.samples.filter((s) => s.sentAt >= w.start && s.sentAt <= w.end)) : undefined);
  const sentOk = (c: Counts | undefined) => (c ? `${c.sent} / ${c.ok}` : 'none');
  const latencyIn = (c: Counts | undefined) => (c ? latency(c) : '-');

  const rows: [string, string, string, string, string][] = [
    ['', 'file (wizard + reload)', 'realtime-sqlite', 'goal (realtime)', 'realtime'],
    ['first apply of every extension (verify off)', seconds(file.firstApplyMs), seconds(realtime.firstApplyMs), '', ''],
    ['apply of one changed extension', seconds(file.applyMs), seconds(realtime.applyMs), '', ''],
    ['  of which the reload step', seconds(file.reloadMs), seconds(realtime.reloadMs), 'none', verdict(realtime.reloadMs === undefined)],
    ['  reloads Asterisk logged', String(file.reloads), String(realtime.reloads), '0', verdict(realtime.reloads === 0 && !realtime.reloaded)],
    ['REGISTERs sent during the apply', String(fd.sent), String(rd.sent), '', ''],
    ['  answered 200', String(fd.ok), String(rd.ok), '', ''],
    ['  failed', failed(fd), failed(rd), '0', verdict(rd.sent > 0 && rd.ok === rd.sent)],
    ['  success', share(fd), share(rd), '100 %', verdict(rd.sent > 0 && rd.ok === rd.sent)],
    ['  latency p50 / p95 / max', latency(fd), latency(rd), '', ''],
    ['REGISTERs sent during the reload step: sent / 200', sentOk(within(file, file.reloadWindow)), sentOk(within(realtime, realtime.reloadWindow)), '', ''],
    ['  latency p50 / p95 / max', latencyIn(within(file, file.reloadWindow)), latencyIn(within(realtime, realtime.reloadWindow)), '', ''],
    ['REGISTERs sent during verify after the reload: sent / 200', sentOk(within(file, file.verifyWindow)), sentOk(within(realtime, realtime.verifyWindow)), '', ''],
    ['  latency p50 / p95 / max', latencyIn(within(file, file.verifyWindow)), latencyIn(within(realtime, realtime.verifyWindow)), '', ''],
    [`before the apply (${lead(file).sent}/${lead(realtime).sent} sent): p50 / p95 / max`, latency(lead(file)), latency(lead(realtime)), '', ''],
    ['after the apply: sent / answered 200', `${after(file).sent} / ${after(file).ok}`, `${after(realtime).sent} / ${after(realtime).ok}`, '', ''],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => `  ${r.slice(0, 4).map((c, i) => c.padEnd(widths[i]!)).join('  ')}  ${r[4]}`.trimEnd()).join('\n') + '\n');
  const steps = (list: { name: string; ms: number }[]) => list.map((s) => `${s.name} ${seconds(s.ms)}`).join(', ');
  for (const f of [file, realtime]) {
    process.stdout.write(`  ${f.strategy} first apply steps: ${steps(f.firstSteps)}\n  ${f.strategy} one-change pass steps: ${steps(f.steps)}\n`);
  }
  const goal = rd.sent > 0 && rd.ok === rd.sent && realtime.reloads === 0 && !realtime.reloaded;
  process.stdout.write(`  goal (realtime: every REGISTER during the apply answered 200, no reload): ${verdict(goal)}\n`);
}
