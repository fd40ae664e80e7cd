// A minimal SIP phone over UDP on loopback, as a softphone registers: REGISTER, the 401 challenge, the
// REGISTER again with an MD5 digest answer. Each exchange is timed from its first send to the final
// answer, with RFC 3261 retransmissions (Timer A: 500 ms, doubling) and a hard limit, so a REGISTER
// Asterisk never answers counts as a failure instead of hanging.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { digestAuthorization, digestParams, parseSip, type SipMessage } from './ws-sip.js';

const T1_MS = 500;

export interface UdpPhoneOptions {
  /** the registrar: Asterisk's UDP transport on 127.0.0.1 */
  port: number;
  user: string;
  password: string;
}

export interface RegisterSample {
  /** when the exchange began (Date.now(), comparable across processes) */
  sentAt: number;
  /** the final answer to the last REGISTER of the exchange; 0 when none came within the limit */
  status: number;
  /** first send → final answer (or the limit, when none came) */
  ms: number;
}

const hex = (n: number) => randomBytes(n).toString('hex');

export class UdpSipPhone {
  /** waiting transactions by Via branch */
  private waiting = new Map<string, (m: SipMessage | null) => void>();

  private constructor(private sock: Socket, private localPort: number, private o: UdpPhoneOptions) {
    sock.on('message', (buf) => {
      const m = parseSip(buf.toString('utf8'));
      if (m.status < 200) return; // requests and provisional answers: a REGISTER waits for its final one
      const branch = /;branch=([^;,\s]+)/.exec(m.header('via') ?? '')?.[1];
      const done = branch ? this.waiting.get(branch) : undefined;
      if (done) { this.waiting.delete(branch!); done(m); }
    });
  }

  static open(o: UdpPhoneOptions): Promise<UdpSipPhone> {
    return new Promise((resolve, reject) => {
      const sock = createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve(new UdpSipPhone(sock, sock.address().port, o)));
    });
  }

  /** One REGISTER transaction: resolves with the final answer, or null at the deadline. */
  private transaction(text: (branch: string) => string, deadline: number): Promise<SipMessage | null> {
    const branch = `z9hG4bK${hex(8)}`;
    const data = Buffer.from(text(branch));
    return new Promise((resolve) => {
      let interval = T1_MS;
      let timer: NodeJS.Timeout | undefined;
      const finish = (m: SipMessage | null) => { clearTimeout(timer); this.waiting.delete(branch); resolve(m); };
      const send = () => {
        const left = deadline - Date.now();
        if (left <= 0) return finish(null);
        this.sock.send(data, this.o.port, '127.0.0.1');
        timer = setTimeout(send, Math.min(interval, left));
        interval *= 2;
      };
      this.waiting.set(branch, finish);
      send();
    });
  }

  /** Registers the contact once (challenge, then digest), within `limitMs` in all. */
  async register(limitMs: number, expires = 120): Promise<RegisterSample> {
    const sentAt = Date.now();
    const t0 = performance.now();
    const deadline = sentAt + limitMs;
    const { user, port } = this.o;
    const uri = `sip:127.0.0.1:${port}`;
    // a fresh Call-ID per exchange: exchanges overlap while Asterisk stalls, and none may look out of order
    const callId = hex(12);
    const tag = hex(4);
    const request = (cseq: number, auth?: string) => (branch: string) => [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};rport;branch=${branch}`,
      'Max-Forwards: 70',
      `From: <sip:${user}@127.0.0.1>;tag=${tag}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${user}@127.0.0.1:${this.localPort}>`,
      `Expires: ${expires}`,
      ...(auth ? [`Authorization: ${auth}`] : []),
      'User-Agent: pjsip-gitops-bench',
      'Content-Length: 0', '', '',
    ].join('\r\n');
    // an answer that came after the limit (a late timer) is a failure like no answer
    const end = (m: SipMessage | null): RegisterSample => {
      const ms = performance.now() - t0;
      return { sentAt, status: m && ms <= limitMs ? m.status : 0, ms };
    };

    const first = await this.transaction(request(1), deadline);
    if (first?.status !== 401) return end(first);
    const challenge = first.all('www-authenticate').map(digestParams).find((c) => (c.algorithm ?? 'MD5').toUpperCase() === 'MD5');
    if (!challenge) return end(first);
    return end(await this.transaction(request(2, digestAuthorization(challenge, user, this.o.password, 'REGISTER', uri)), deadline));
  }

  close(): void {
    for (const done of [...this.waiting.values()]) done(null);
    this.waiting.clear();
    this.sock.close();
  }
}
