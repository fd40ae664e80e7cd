// The entry of the process or thread that runs a changed pass (./run.ts starts it): one job in,
// events and one answer out; then it ends, and every page it used goes with it.
import { parentPort } from 'node:worker_threads';
import { runChangedPass, type ChangedPassAnswer, type ChangedPassEvent, type ChangedPassJob } from './job.js';

if (parentPort) {
  const port = parentPort;
  port.once('message', (job: ChangedPassJob) => {
    void runChangedPass(job, (e) => port.postMessage(e)).then((answer) => port.postMessage(answer));
  });
} else if (process.send) {
  // the loop's stop signals reach this process too (same process group, same systemd cgroup): the
  // loop finishes the pass in hand, so must this process — a write cut short before its rollback
  // is what the loop's stop() exists to avoid
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => {});
  const send = (m: ChangedPassEvent | ChangedPassAnswer) => process.send!(m);
  process.once('message', (job: ChangedPassJob) => {
    void runChangedPass(job, send).then((answer) => {
      // the loop ends this process once the answer is in; letting go of the channel ends it too
      process.send!(answer, undefined, {}, () => process.disconnect());
    });
  });
}
