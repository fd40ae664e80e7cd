// The HTTP endpoints on a real loopback socket (ephemeral port), and the metrics text format.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { ListenError, parseListen, startHttpServer, type Health, type HttpServer } from '../reconciler/http.ts';
import { renderMetrics, METRICS_CONTENT_TYPE, type MetricsSnapshot } from '../reconciler/metrics.ts';

let health: Health = { alive: true, reason: 'ok', condition: 'Ready', passRunning: false };
const statusDoc = { version: 1, condition: { type: 'Ready', reason: 'Applied' }, history: [] };
const snapshot: MetricsSnapshot = {
  passes: { applied: 2, unchanged: 7, transient: 1 }, reloads: 3, lastSuccessSeconds: 1767323045,
  driftEvents: 1, condition: 'Ready', extensions: 24, transientFailures: 0,
  process: { residentBytes: 61_000_000, heapUsedBytes: 12_000_000, startTimeSeconds: 1767320000 },
};
let server: HttpServer;
let base = '';

test.before(async () => {
  server = await startHttpServer(parseListen('127.0.0.1:0'), {
    health: () => health,
    status: async () => statusDoc,
    metrics: async () => snapshot,
  });
  base = `http://127.0.0.1:${server.address.port}`;
});
test.after(async () => server?.close());

test('listen addresses: loopback accepted, anything else refused', () => {
  const ok: [string | number, string, number][] = [
    ['127.0.0.1:9187', '127.0.0.1', 9187], ['127.0.0.2:80', '127.0.0.2', 80], ['[::1]:9187', '::1', 9187],
    ['localhost:9187', '127.0.0.1', 9187], [9187, '127.0.0.1', 9187], ['0', '127.0.0.1', 0],
  ];
  for (const [given, host, port] of ok) assert.equal(parseListen(given), { host, port }, String(given));
  for (const bad of ['0.0.0.0:9187', '192.168.1.10:9187', '[::]:9187', 'pbx.example.com:9187', ':9187', '127.0.0.1:70000', 'x']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof ListenError, bad);
  }
  assert.throws(() => parseListen('0.0.0.0:9187'), /non-loopback/);
});

test('/healthz: 200 while alive, 503 with the reason when stuck', async () => {
  health = { alive: true, reason: 'ok', condition: 'Failed', passRunning: false };
  let r = await fetch(`${base}/healthz`);
  assert.is(r.status, 200, 'a Failed condition is not a dead loop');
  assert.equal(await r.json(), health);
  health = { alive: false, reason: 'pass running for 901 s', condition: 'Ready', passRunning: true };
  r = await fetch(`${base}/healthz`);
  assert.is(r.status, 503);
  assert.is(((await r.json()) as Health).reason, 'pass running for 901 s');
});

test('/readyz: 200 only when the condition is Ready', async () => {
  health = { alive: true, reason: 'ok', condition: 'Ready', passRunning: false };
  assert.is((await fetch(`${base}/readyz`)).status, 200);
  health = { alive: true, reason: 'ok', condition: 'Stalled', passRunning: false };
  const r = await fetch(`${base}/readyz`);
  assert.is(r.status, 503);
  assert.equal(await r.json(), { ready: false, condition: 'Stalled', passRunning: false });
});

test('/status returns the status as JSON', async () => {
  const r = await fetch(`${base}/status`);
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(await r.json(), statusDoc);
});

test('/metrics: Prometheus 0.0.4 text with our series', async () => {
  const r = await fetch(`${base}/metrics`);
  assert.is(r.status, 200);
  assert.is(r.headers.get('content-type'), METRICS_CONTENT_TYPE);
  const text = await r.text();
  assert.is(text, renderMetrics(snapshot));
  for (const line of [
    'pjsip_gitops_passes_total{result="applied"} 2',
    'pjsip_gitops_passes_total{result="unchanged"} 7',
    'pjsip_gitops_passes_total{result="failed"} 0',
    'pjsip_gitops_reloads_total 3',
    'pjsip_gitops_last_success_timestamp_seconds 1767323045',
    'pjsip_gitops_drift_events_total 1',
    'pjsip_gitops_condition{condition="ready"} 1',
    'pjsip_gitops_condition{condition="stalled"} 0',
    'pjsip_gitops_extensions 24',
    'process_resident_memory_bytes 61000000',
    'nodejs_heap_size_used_bytes 12000000',
    'process_start_time_seconds 1767320000',
    '# TYPE pjsip_gitops_passes_total counter',
    '# TYPE pjsip_gitops_condition gauge',
  ]) assert.ok(text.split('\n').includes(line), `missing: ${line}`);
});

test('metrics text: every line is a comment or `name{labels} value`; TYPE precedes samples', () => {
  const text = renderMetrics({ passes: { 'weird"res\\ult': 1 }, reloads: 0, driftEvents: 0 });
  assert.ok(text.endsWith('\n'));
  const typed = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const t = /^# TYPE (\w+) (counter|gauge|histogram)$/.exec(line);
    if (t) { typed.add(t[1]!); continue; }
    if (line.startsWith('# HELP ')) continue;
    const m = /^(\w+)(\{(?:\w+="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+)$/.exec(line);
    assert.ok(m, `bad sample line: ${line}`);
    assert.ok(typed.has(m![1]!.replace(/_(bucket|sum|count)$/, '')) || typed.has(m![1]!), `sample before its TYPE: ${line}`);
  }
  assert.ok(text.includes('pjsip_gitops_passes_total{result="weird\\"res\\\\ult"} 1'));
  assert.not.ok(text.includes('pjsip_gitops_last_success_timestamp_seconds'), 'no success yet: no series');
  assert.ok(text.includes('pjsip_gitops_condition{condition="ready"} 0'));
});

test('unknown path 404, POST 405, HEAD has no body', async () => {
  assert.is((await fetch(`${base}/nope`)).status, 404);
  const post = await fetch(`${base}/status`, { method: 'POST' });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET, HEAD');
  const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(await head.text(), '');
});

/** One GET on the real server with the Host header as given (undefined: no Host header at all). */
function getWithHost(path: string, host: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = host === undefined ? {} : { host };
    const req = request({ host: '127.0.0.1', port: server.address.port, path, headers, setHost: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('DNS rebinding: only a loopback Host header is answered', async () => {
  const port = server.address.port;
  const allowed = ['localhost', `localhost:${port}`, 'LocalHost', '127.0.0.1', `127.0.0.1:${port}`, '127.8.9.10:80', '[::1]', `[::1]:${port}`];
  const refused = [undefined, '', 'evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io',
    '0.0.0.0', '192.168.1.10', '[::2]', '::1', '[::1', '127.0.0.1:x', '127.0.0.1:80:80', 'localhost@evil.example', '127.0.0.256'];
  for (const path of ['/healthz', '/status', '/metrics']) {
    for (const host of allowed) assert.is((await getWithHost(path, host)).status, 200, `${path} Host ${host}`);
    for (const host of refused) {
      const r = await getWithHost(path, host);
      assert.is(r.status, 421, `${path} Host ${String(host)}`);
      assert.ok(r.body.length > 0 && r.body.length < 200, 'a short body');
      assert.not.ok(r.body.includes('pjsip_gitops') || r.body.includes('Ready'), 'nothing of the status or metrics');
    }
  }
});

test('a non-loopback bind is refused even when asked directly', async () => {
  try {
    await startHttpServer({ host: '0.0.0.0', port: 0 }, { health: () => health, status: async () => ({}), metrics: async () => snapshot });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.instance(err, ListenError);
  }
});

test.run();
