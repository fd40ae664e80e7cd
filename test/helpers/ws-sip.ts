// A minimal SIP-over-WebSocket client, as a browser turret (JsSIP) talks to Asterisk: an RFC 6455
// client over node:net (Node 20 has no global WebSocket) and a REGISTER with RFC 2617 MD5 digest.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const WAIT_MS = 10_000; // a message Asterisk never sends must not hang the test

export interface SipMessage {
  /** status code of a response, 0 for a request */
  status: number;
  /** method of a request, or the CSeq method of a response */
  method: string;
  headers: [string, string][];
  header(name: string): string | undefined;
  all(name: string): string[];
  raw: string;
}

export function parseSip(raw: string): SipMessage {
  const [head = ''] = raw.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const first = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  const all = (name: string) => headers.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v);
  const status = /^SIP\/2\.0 (\d{3})/.exec(first);
  const cseqMethod = (all('cseq')[0] ?? '').split(/\s+/)[1] ?? '';
  return {
    status: status ? Number(status[1]) : 0,
    method: status ? cseqMethod : first.split(' ')[0]!,
    headers, all, header: (n) => all(n)[0], raw,
  };
}

export class WsSipClient {
  private buf: Buffer = Buffer.alloc(0);
  private messages: string[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private sock: Socket) {
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.readFrames(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => { this.closed = true; this.wake(); });
  }

  /** Opens `ws://127.0.0.1:<port>/ws` with the `sip` subprotocol; rejects unless the server answers 101 with the right accept key. */
  static connect(url: string): Promise<WsSipClient> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const sock = connect({ host: u.hostname, port: Number(u.port) });
      const key = randomBytes(16).toString('base64');
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('no WebSocket handshake answer')); }, WAIT_MS);
      let head = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        clearTimeout(timer);
        const text = head.subarray(0, end).toString('latin1');
        const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
        if (!/^HTTP\/1\.1 101 /.test(text) || !new RegExp(`^sec-websocket-accept:\\s*${accept.replace(/[+/=]/g, '\\$&')}\\s*$`, 'im').test(text)) {
          sock.destroy();
          reject(new Error(`WebSocket upgrade refused: ${text.split('\r\n')[0]}`));
          return;
        }
        if (!/^sec-websocket-protocol:\s*sip\s*$/im.test(text)) { sock.destroy(); reject(new Error('server did not agree to the sip subprotocol')); return; }
        const client = new WsSipClient(sock);
        client.buf = head.subarray(end + 4);
        client.readFrames();
        resolve(client);
      };
      sock.on('data', onData);
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
      sock.write([
        `GET ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: sip', '', '',
      ].join('\r\n'));
    });
  }

  /** Sends one SIP message as one masked text frame (clients must mask, RFC 6455 5.3). */
  send(text: string): void {
    this.sock.write(frame(0x1, Buffer.from(text, 'utf8')));
  }

  /** The next SIP message that matches, waiting at most 10 s. */
  async next(match: (m: SipMessage) => boolean = () => true): Promise<SipMessage> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.messages.findIndex((raw) => match(parseSip(raw)));
      if (i >= 0) return parseSip(this.messages.splice(i, 1)[0]!);
      if (this.closed) throw new Error('WebSocket closed before the expected SIP message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching SIP message within 10 s');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): void {
    if (!this.closed) this.sock.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    this.sock.destroy();
    this.closed = true;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private readFrames(): void {
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0]! & 0x0f;
      const masked = (this.buf[1]! & 0x80) !== 0;
      let len = this.buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      const maskAt = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ this.buf[maskAt + (i % 4)]!; // servers must not mask, but may
      this.buf = this.buf.subarray(off + len);
      if (op === 0x1 || op === 0x2) { this.messages.push(payload.toString('utf8')); this.wake(); }
      else if (op === 0x9) this.sock.write(frame(0xa, payload));
      else if (op === 0x8) { this.closed = true; this.sock.destroy(); this.wake(); }
    }
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(len), 2); return h; })();
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** Parameters of one `Digest k=v, k="v"` challenge. */
export function digestParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

/** The Authorization header answering an MD5 challenge (RFC 2617; qop=auth when offered). */
export function digestAuthorization(challenge: Record<string, string>, user: string, password: string, method: string, uri: string): string {
  const ha1 = md5(`${user}:${challenge.realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [`username=${q(user)}`, `realm=${q(challenge.realm ?? '')}`, `nonce=${q(challenge.nonce ?? '')}`, `uri=${q(uri)}`, 'algorithm=MD5'];
  const qops = (challenge.qop ?? '').split(',').map((s) => s.trim());
  if (qops.includes('auth')) {
    const nc = '00000001';
    const cnonce = randomBytes(8).toString('hex');
    parts.push(`qop=auth`, `nc=${nc}`, `cnonce=${q(cnonce)}`, `response=${q(md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`))}`);
  } else {
    parts.push(`response=${q(md5(`${ha1}:${challenge.nonce}:${ha2}`))}`);
  }
  if (challenge.opaque !== undefined) parts.push(`opaque=${q(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export interface RegisterOutcome {
  /** status of the REGISTER without credentials (401 expected) */
  challenge: number;
  /** status of the REGISTER with the digest answer */
  final: number;
}

/**
 * REGISTERs `user` over a new WebSocket: once without credentials, then answering the MD5 challenge.
 * `whileOpen` runs after the last answer, before the socket closes (Asterisk drops a WebSocket
 * contact when its connection closes).
 */
export async function wsRegister(url: string, user: string, password: string, whileOpen?: () => Promise<void>): Promise<RegisterOutcome> {
  const client = await WsSipClient.connect(url);
  try {
    const host = new URL(url).host;
    const callId = randomBytes(8).toString('hex');
    const tag = randomBytes(4).toString('hex');
    const fakeHost = `${randomBytes(4).toString('hex')}.invalid`; // a browser's contact host, as JsSIP writes it
    const uri = `sip:${host}`;
    const request = (cseq: number, auth?: string) => [
      `REGISTER ${uri};transport=ws SIP/2.0`,
      `Via: SIP/2.0/WS ${fakeHost};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
      'Max-Forwards: 70',
      `To: <sip:${user}@${host}>`,
      `From: <sip:${user}@${host}>;tag=${tag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${user}@${fakeHost};transport=ws>;expires=600`,
      'Expires: 600',
      ...(auth ? [`Authorization: ${auth}`] : []),
      'User-Agent: pjsip-gitops-test',
      'Content-Length: 0', '', '',
    ].join('\r\n');
    const answer = (cseq: number) => client.next((m) => m.status >= 200 && m.header('call-id') === callId && m.header('cseq') === `${cseq} REGISTER`);

    client.send(request(1));
    const first = await answer(1);
    if (first.status !== 401) return { challenge: first.status, final: first.status };
    const md5Challenge = first.all('www-authenticate').map(digestParams)
      .find((c) => (c.algorithm ?? 'MD5').toUpperCase() === 'MD5');
    if (!md5Challenge) throw new Error(`no MD5 digest challenge in: ${first.all('www-authenticate').join(' | ')}`);
    client.send(request(2, digestAuthorization(md5Challenge, user, password, 'REGISTER', `${uri};transport=ws`)));
    const second = await answer(2);
    await whileOpen?.();
    return { challenge: first.status, final: second.status };
  } finally {
    client.close();
  }
}
