// The optional HTTP endpoints of the running reconciler, on loopback only: the status holds the
// commit and the PBX's state, which is nobody else's business. A reverse proxy or an SSH tunnel
// can publish them when a monitoring host needs them (a proxy must send a loopback Host: see route).
//   GET /healthz  200 while the loop is alive (see Health in loop.ts), 503 when it is stuck
//   GET /readyz   200 when the last pass left the condition Ready, 503 otherwise
//   GET /status   the status file as JSON, plus `reconciler`: pid, start time and the loop's health;
//                 `suspended` (reason, since) while writes are suspended, as the suspension file says now
//   GET /metrics  Prometheus text format 0.0.4 (pjsip_gitops_suspended from the same field)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { METRICS_CONTENT_TYPE, renderMetrics, type MetricsSnapshot } from './metrics.js';

export interface Health {
  /** true while the loop is alive: not stopped, no pass stuck, the next pass not overdue */
  alive: boolean;
  /** why not alive, or 'ok' */
  reason: string;
  /** the condition of the last pass, when there was one */
  condition?: string;
  passRunning: boolean;
}

export interface HttpSources {
  health(): Health;
  /** the status document (already redacted: the status file never holds a secret), with `suspended` when set */
  status(): Promise<unknown>;
  metrics(): Promise<MetricsSnapshot>;
}

export interface Listen {
  host: string;
  port: number;
}

export class ListenError extends Error {}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** A Host header naming loopback (`localhost`, `127.x.y.z`, `[::1]`), with or without a port. */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9A-Za-z.-]+))(?::\d{1,5})?$/.exec(header ?? '');
  if (!m) return false;
  if (m[1] !== undefined) return isIP(m[1]) === 6 && isLoopback(m[1]);
  const host = m[2]!.toLowerCase();
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Reads `127.0.0.1:9187`, `[::1]:9187`, `localhost:9187` or a bare port (loopback implied).
 * Throws ListenError for any address that is not loopback.
 */
export function parseListen(listen: string | number): Listen {
  const text = String(listen).trim();
  let host = '127.0.0.1';
  let portText = text;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (m) {
    host = m[1] ?? m[2] ?? '';
    portText = m[3] ?? '';
  } else if (!/^\d+$/.test(text)) {
    throw new ListenError(`http listen '${text}': write host:port, e.g. 127.0.0.1:9187`);
  }
  if (host === 'localhost') host = '127.0.0.1'; // one address: 'localhost' may resolve to ::1 or 127.0.0.1
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ListenError(`http listen '${text}': port must be 0-65535`);
  }
  if (!isLoopback(host)) {
    throw new ListenError(
      `http listen '${text}': refusing a non-loopback address; the status names commits and the PBX's ` +
      `state. Listen on 127.0.0.1 and publish through a reverse proxy or an SSH tunnel if needed.`,
    );
  }
  return { host, port };
}

export interface HttpServer {
  /** the address actually bound (port resolved when 0 was asked) */
  readonly address: Listen;
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, type: string, body: string, head: boolean): void {
  res.writeHead(code, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : body);
}

async function route(req: IncomingMessage, res: ServerResponse, sources: HttpSources): Promise<void> {
  const head = req.method === 'HEAD';
  // DNS rebinding: a web page whose name now resolves to 127.0.0.1 still sends its own name as Host
  if (!isLoopbackHostHeader(req.headers.host)) {
    return send(res, 421, 'text/plain; charset=utf-8', 'misdirected request: use Host localhost, 127.0.0.1 or [::1]\n', head);
  }
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', head);
  }
  const path = new URL(req.url ?? '/', 'http://loopback').pathname;
  const json = 'application/json; charset=utf-8';
  switch (path) {
    case '/healthz': {
      const h = sources.health();
      return send(res, h.alive ? 200 : 503, json, JSON.stringify(h) + '\n', head);
    }
    case '/readyz': {
      const h = sources.health();
      const ready = h.condition === 'Ready';
      const body = { ready, condition: h.condition ?? null, passRunning: h.passRunning };
      return send(res, ready ? 200 : 503, json, JSON.stringify(body) + '\n', head);
    }
    case '/status':
      return send(res, 200, json, JSON.stringify(await sources.status(), null, 2) + '\n', head);
    case '/metrics':
      return send(res, 200, METRICS_CONTENT_TYPE, renderMetrics(await sources.metrics()), head);
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz /readyz /status /metrics\n', head);
  }
}

export async function startHttpServer(listen: Listen, sources: HttpSources): Promise<HttpServer> {
  if (!isLoopback(listen.host)) throw new ListenError(`http listen ${listen.host}: not a loopback address`);
  // requireHostHeader off: a request without Host gets our 421 like any other wrong Host, not a bare 400
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    route(req, res, sources).catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, 500, 'text/plain; charset=utf-8', `internal error: ${err instanceof Error ? err.message : String(err)}\n`, false);
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = bound && typeof bound === 'object' ? bound.port : listen.port;
  return {
    address: { host: listen.host, port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
