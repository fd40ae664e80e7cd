// Runs the changed part of a pass (./job.ts) in a child process, or a worker thread, started for it
// and gone after it, so that the reconcile loop stays small between passes: compiling and comparing
// 10,000 extensions peaks well over 100 MB, and neither V8 nor glibc gives those pages back to the
// system afterwards. A child process returns every page when it exits; a worker thread shares the
// loop's process and keeps its malloc arena (README "Benchmarks" has both measured).
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChangedPassAnswer, ChangedPassEvent, ChangedPassJob } from './job.js';

export type RunIn = 'child' | 'worker';

// entry.ts under tsx (tests), entry.js in a build
const ENTRY = fileURLToPath(new URL(`./entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** The job's answer; `onEvent` sees its log lines and learnt passwords first, in order. Rejects when it dies without one. */
export function runElsewhere(job: ChangedPassJob, where: RunIn, onEvent: (e: ChangedPassEvent) => void): Promise<ChangedPassAnswer> {
  return new Promise((resolve, reject) => {
    const received = (m: ChangedPassEvent | ChangedPassAnswer): boolean => {
      if (m.kind !== 'answer') {
        onEvent(m);
        return false;
      }
      resolve(m);
      return true;
    };
    if (where === 'worker') {
      // a thread does not take tsx's --import along: under tsx (tests), register it there first
      const worker = ENTRY.endsWith('.ts')
        ? new Worker(`import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(pathToFileURL(ENTRY).href)}))`, { eval: true })
        : new Worker(ENTRY);
      worker.on('message', (m: ChangedPassEvent | ChangedPassAnswer) => { if (received(m)) void worker.terminate(); });
      worker.once('error', (err) => reject(new Error(`the pass's worker thread failed: ${err.message}`)));
      worker.once('exit', (code) => reject(new Error(`the pass's worker thread ended (exit ${code}) without an answer`)));
      worker.postMessage(job);
      return;
    }
    // 'advanced': structured clone, as a worker's messages (Buffers and the like pass as they are)
    const child = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-2000); });
    // the answer is the job's last word (target closed, status written): nothing is cut short
    child.on('message', (m) => { if (received(m as ChangedPassEvent | ChangedPassAnswer)) child.kill('SIGKILL'); });
    child.once('error', (err) => reject(new Error(`the pass's process failed: ${err.message}`)));
    child.once('exit', (code, signal) => {
      reject(new Error(`the pass's process ended (${signal ?? `exit ${code}`}) without an answer${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    child.send(job);
  });
}
