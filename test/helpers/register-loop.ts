// An unrelated phone that keeps registering while something else happens to Asterisk: a REGISTER
// (challenge + digest) every `intervalMs` from a child process (register-loop-child.ts), each one's
// answer and latency recorded, a REGISTER with no final answer within `limitMs` a failure.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoopReply, LoopRequest } from './register-loop-child.js';
import type { RegisterSample, UdpPhoneOptions } from './sip-udp.js';

const CHILD = fileURLToPath(new URL('./register-loop-child.ts', import.meta.url));
const REPLY_MARGIN_MS = 5_000; // on top of the REGISTER limit: the child's own start and IPC

export interface RegisterLoop {
  /** one REGISTER now, waited for */
  once(): Promise<RegisterSample>;
  /** starts sending one REGISTER every intervalMs */
  start(intervalMs: number): void;
  /** stops sending, waits for the REGISTERs in flight (each bounded by the limit), returns every sample of the loop */
  stop(): Promise<RegisterSample[]>;
  /** ends the child at once (a finally) */
  kill(): void;
}

export async function startRegisterLoop(phone: UdpPhoneOptions, limitMs: number): Promise<RegisterLoop> {
  const child: ChildProcess = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: LoopReply[] = [];
  const waiters: (() => void)[] = [];
  let gone = false;
  child.on('message', (r: LoopReply) => { replies.push(r); for (const w of waiters.splice(0)) w(); });
  child.once('exit', () => { gone = true; for (const w of waiters.splice(0)) w(); });
  const send = (m: LoopRequest) => child.send(m);
  async function next<K extends LoopReply['op']>(op: K, waitMs: number): Promise<Extract<LoopReply, { op: K }>> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const i = replies.findIndex((r) => r.op === op || r.op === 'error');
      if (i >= 0) {
        const r = replies.splice(i, 1)[0]!;
        if (r.op === 'error') throw new Error(`register loop: ${r.message}`);
        return r as Extract<LoopReply, { op: K }>;
      }
      const left = deadline - Date.now();
      if (gone || left <= 0) throw new Error(`register loop: no '${op}' answer from its process within ${waitMs} ms${gone ? ' (it exited)' : ''}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
  const kill = () => { if (!gone) child.kill('SIGKILL'); };
  try {
    send({ op: 'open', phone, limitMs });
    await next('opened', 20_000); // tsx compiles the child first
  } catch (err) {
    kill();
    throw err;
  }
  return {
    async once() { send({ op: 'once' }); return (await next('sample', limitMs + REPLY_MARGIN_MS)).sample; },
    start(intervalMs) { send({ op: 'loop', intervalMs }); },
    async stop() { send({ op: 'stop' }); return (await next('samples', limitMs + REPLY_MARGIN_MS)).samples; },
    kill,
  };
}
