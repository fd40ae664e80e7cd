// The /metrics page in the Prometheus text exposition format 0.0.4. A handful of counters and
// gauges does not need a client library: this renders them from one snapshot of the status.

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every pass result, so each series exists (at 0) before its first event and rate() works. */
export const PASS_RESULTS = [
  'applied', 'unchanged', 'drift-corrected', 'drift-reported', 'failed', 'stalled', 'transient', 'dry-run',
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

export function renderMetrics(m: MetricsSnapshot): string {
  const results = [...new Set<string>([...PASS_RESULTS, ...Object.keys(m.passes)])];
  const lines = [
    ...family('pjsip_gitops_passes_total', 'counter', 'Reconcile passes by result.',
      results.map((result) => ({ labels: { result }, value: m.passes[result] ?? 0 }))),
    ...family('pjsip_gitops_reloads_total', 'counter', 'Asterisk reloads run, rollback reloads included.',
      [{ value: m.reloads }]),
    ...family('pjsip_gitops_drift_events_total', 'counter', 'Hand edits of the live file detected.',
      [{ value: m.driftEvents }]),
    ...family('pjsip_gitops_condition', 'gauge', 'The current condition: 1 for the one that holds.',
      CONDITIONS.map((condition) => ({ labels: { condition }, value: m.condition === condition ? 1 : 0 }))),
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
