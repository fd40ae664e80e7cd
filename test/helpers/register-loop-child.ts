// The REGISTER loop's own process (test/helpers/register-loop.ts starts it): its event loop is never
// blocked by the reconciler's compile in the parent, so each REGISTER is sent on time and timed right.
// It obeys the parent over IPC and ends itself when the parent goes or after a fixed life.
import { UdpSipPhone, type RegisterSample, type UdpPhoneOptions } from './sip-udp.js';

const MAX_LIFE_MS = 15 * 60_000;

export type LoopRequest =
  | { op: 'open'; phone: UdpPhoneOptions; limitMs: number }
  | { op: 'once' }
  | { op: 'loop'; intervalMs: number }
  | { op: 'stop' };

export type LoopReply =
  | { op: 'opened' }
  | { op: 'sample'; sample: RegisterSample }
  | { op: 'samples'; samples: RegisterSample[] }
  | { op: 'error'; message: string };

if (process.send) {
  const reply = (r: LoopReply) => process.send!(r);
  let phone: UdpSipPhone | undefined;
  let limitMs = 2000;
  let ticker: NodeJS.Timeout | undefined;
  const inFlight: Promise<RegisterSample>[] = [];

  setTimeout(() => process.exit(3), MAX_LIFE_MS).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: LoopRequest) => {
    void (async () => {
      if (m.op === 'open') {
        limitMs = m.limitMs;
        phone = await UdpSipPhone.open(m.phone);
        reply({ op: 'opened' });
      } else if (m.op === 'once') {
        reply({ op: 'sample', sample: await phone!.register(limitMs) });
      } else if (m.op === 'loop') {
        // sent on a fixed clock whatever the answers: a stalled registrar shows as many failures, not one
        const tick = () => { inFlight.push(phone!.register(limitMs)); };
        tick();
        ticker = setInterval(tick, m.intervalMs);
      } else if (m.op === 'stop') {
        clearInterval(ticker);
        const samples = await Promise.all(inFlight); // each ends by its limit
        phone?.close();
        reply({ op: 'samples', samples });
        process.disconnect();
      }
    })().catch((err: unknown) => reply({ op: 'error', message: err instanceof Error ? err.message : String(err) }));
  });
}
