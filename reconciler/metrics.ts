// The /metrics page in the Prometheus text exposition format 0.0.4. A handful of counters, gauges
// and one histogram does not need a client library: this renders them from one snapshot. Label
// values are snake_case (`drift_corrected`, `ready`), as alert rules expect.
import { PACKAGE_VERSION } from './io/package.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every pass result, so each series exists (at 0) before its first event and rate() works. */
export const PASS_RESULTS = [
  'applied', 'unchanged', 'drift-corrected', 'drift-reported', 'failed', 'stalled', 'transient', 'dry-run', 'suspended',
] as const;
export const CONDITIONS = ['Ready', 'Failed', 'Stalled'] as const;

export interface MetricsSnapshot {
  /** passes counted by result */
  passes: Record<string, number>;
  reloads: number;
  /** unix seconds of the last pass that ended Ready; undefined before the first */
  lastSuccessSeconds?: number;
  driftEvents: number;
  /** the current condition; undefined before the first pass */
  condition?: string;
  /** extensions in the last applied configuration; undefined when not known */
  extensions?: number;
  /** consecutive transient failures (the backoff step) */
  transientFailures?: number;
  /** the reconciler process itself, under the names Prometheus client libraries use */
  process?: { residentBytes: number; heapUsedBytes: number; startTimeSeconds: number };
  /** durations of the passes this process ran (PassMetrics); an empty histogram when absent */
  passDurations?: HistogramSnapshot;
  /** passes whose reload or verify failed, so the file before them was put back */
  rollbacks?: number;
  /** passes that ended VerifyFailed */
  verifyFailures?: number;
  /** writes paused by `suspend` (the status's `suspended` field) */
  suspended?: boolean;
  /** default: this package's version and this Node.js */
  build?: { version: string; node: string };
}

export interface HistogramSnapshot {
  /** upper bounds in seconds, ascending (+Inf is implied) */
  bounds: readonly number[];
  /** observations per bucket, not cumulative; one more than bounds (the +Inf bucket) */
  counts: number[];
  sum: number;
  count: number;
}

/** Seconds: a pass with nothing to do takes ~0.1 s, a reload of 10,000 endpoints ~10 s, a stuck one up to the timeouts. */
export const PASS_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** What one finished pass tells the counters (a PassResult has these fields). */
export interface ObservedPass {
  reason: string;
  durationMs: number;
  steps?: { name: string; outcome: string }[];
}

/** The per-process counters the status file does not keep: pass durations, rollbacks, verify failures. */
export class PassMetrics {
  private readonly counts = new Array<number>(PASS_DURATION_BUCKETS.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  private rollbacks = 0;
  private verifyFailures = 0;

  observe(pass: ObservedPass): void {
    const seconds = pass.durationMs / 1000;
    const i = PASS_DURATION_BUCKETS.findIndex((b) => seconds <= b);
    this.counts[i < 0 ? PASS_DURATION_BUCKETS.length : i]! += 1;
    this.sum += seconds;
    this.count += 1;
    // a reload or verify that fails is always followed by a rollback (reconciler/steps/rollback.ts)
    if (pass.steps?.some((s) => (s.name === 'reload' || s.name === 'verify') && s.outcome === 'fail')) this.rollbacks += 1;
    if (pass.reason === 'VerifyFailed') this.verifyFailures += 1;
  }

  /** the counters, and `suspended` from the status document when it has that field */
  snapshot(status?: unknown): Pick<MetricsSnapshot, 'passDurations' | 'rollbacks' | 'verifyFailures' | 'suspended'> {
    return {
      passDurations: { bounds: PASS_DURATION_BUCKETS, counts: [...this.counts], sum: this.sum, count: this.count },
      rollbacks: this.rollbacks, verifyFailures: this.verifyFailures, suspended: suspendedOf(status),
    };
  }
}

/** A status with a `suspended` field that is set (an object with the reason, or true) means suspended. */
export function suspendedOf(status: unknown): boolean {
  const v = status && typeof status === 'object' ? (status as { suspended?: unknown }).suspended : undefined;
  return v !== undefined && v !== null && v !== false;
}

/** `drift-corrected` → `drift_corrected`, `Ready` → `ready`, `VerifyFailed` → `verify_failed`. */
export function snakeCase(value: string): string {
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toLowerCase();
}

type Sample = { labels?: Record<string, string>; value: number };

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const labels = s.labels
      ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
      : '';
    lines.push(`${name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  return lines;
}

function histogram(name: string, help: string, h: HistogramSnapshot): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  let cumulative = 0;
  h.bounds.forEach((bound, i) => {
    cumulative += h.counts[i] ?? 0;
    lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
  });
  lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
  return lines;
}

export function renderMetrics(m: MetricsSnapshot): string {
  const results = [...new Set<string>([...PASS_RESULTS, ...Object.keys(m.passes)])];
  const lines = [
    ...family('pjsip_gitops_passes_total', 'counter', 'Reconcile passes by result.',
      results.map((result) => ({ labels: { result: snakeCase(result) }, value: m.passes[result] ?? 0 }))),
    ...family('pjsip_gitops_reloads_total', 'counter', 'Asterisk reloads run, rollback reloads included.',
      [{ value: m.reloads }]),
    ...family('pjsip_gitops_drift_events_total', 'counter', 'Hand edits of the live file detected.',
      [{ value: m.driftEvents }]),
    ...family('pjsip_gitops_condition', 'gauge', 'The current condition: 1 for the one that holds.',
      CONDITIONS.map((condition) => ({ labels: { condition: snakeCase(condition) }, value: m.condition === condition ? 1 : 0 }))),
    ...histogram('pjsip_gitops_pass_duration_seconds', 'How long reconcile passes took, since the reconciler started.',
      m.passDurations ?? { bounds: PASS_DURATION_BUCKETS, counts: new Array<number>(PASS_DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }),
    ...family('pjsip_gitops_rollbacks_total', 'counter', 'Passes whose reload or verify failed and that put the previous file back, since the reconciler started.',
      [{ value: m.rollbacks ?? 0 }]),
    ...family('pjsip_gitops_verify_failures_total', 'counter', 'Passes that ended VerifyFailed (Asterisk did not load every endpoint), since the reconciler started.',
      [{ value: m.verifyFailures ?? 0 }]),
    ...family('pjsip_gitops_suspended', 'gauge', '1 while writes are suspended, 0 otherwise.', [{ value: m.suspended ? 1 : 0 }]),
    ...family('pjsip_gitops_build_info', 'gauge', 'Always 1; the labels name the version and the Node.js running it.',
      [{ labels: m.build ?? { version: PACKAGE_VERSION, node: process.version }, value: 1 }]),
  ];
  if (m.lastSuccessSeconds !== undefined) {
    lines.push(...family('pjsip_gitops_last_success_timestamp_seconds', 'gauge',
      'Unix time of the last pass that ended Ready.', [{ value: m.lastSuccessSeconds }]));
  }
  if (m.extensions !== undefined) {
    lines.push(...family('pjsip_gitops_extensions', 'gauge', 'Extensions in the applied configuration.',
      [{ value: m.extensions }]));
  }
  if (m.transientFailures !== undefined) {
    lines.push(...family('pjsip_gitops_transient_failures', 'gauge',
      'Consecutive transient failures (git or Asterisk unreachable); 0 after a pass that got through.',
      [{ value: m.transientFailures }]));
  }
  if (m.process) {
    lines.push(
      ...family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [{ value: m.process.residentBytes }]),
      ...family('process_start_time_seconds', 'gauge', 'Start time of the process since the unix epoch in seconds.',
        [{ value: m.process.startTimeSeconds }]),
      ...family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [{ value: m.process.heapUsedBytes }]),
    );
  }
  return lines.join('\n') + '\n';
}
