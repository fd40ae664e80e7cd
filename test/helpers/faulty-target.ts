// A Target that passes everything to a real one, except the writes a test makes fail. Tests run as
// root, which ignores chmod 0555 and so cannot make a folder read-only for real: a write refused
// here throws as a read-only or full file system would, before the live file is touched (the
// Target contract for a failed write).
import type { ExecResult, Target } from '../../reconciler/target.js';

export interface Faults {
  /** an error to throw instead of this write, or undefined to let it through */
  write?(path: string, data: Buffer): Error | undefined;
  /** sees every command before it runs (to turn a fault on after the reload, say) */
  exec?(argv: string[]): void;
}

export function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export function faultyTarget(inner: Target, faults: Faults): Target & { writes: number; refused: number } {
  const t = {
    describe: inner.describe,
    writes: 0,
    refused: 0,
    readFile: (path: string) => inner.readFile(path),
    async writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
      t.writes++;
      const err = faults.write?.(path, data);
      if (err) {
        t.refused++;
        throw err;
      }
      await inner.writeFileAtomic(path, data, mode);
    },
    exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
      faults.exec?.(argv);
      return inner.exec(argv, timeoutMs);
    },
    close: () => inner.close(),
  };
  return t;
}

/** Whether argv is a module reload (`asterisk -rx 'module reload …'`). */
export const isReload = (argv: string[]): boolean => argv.some((a) => /^\s*module\s+reload\b/.test(a));
