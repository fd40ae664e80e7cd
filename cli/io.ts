// What a command may touch of its process: two output streams, stdin, the environment and the
// working directory. The bin passes the real ones; tests pass captured streams and run in-process.

export interface Output {
  write(text: string): void;
  /** a terminal: colour and prompts */
  readonly isTTY: boolean;
}

export interface CommandIO {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** NO_COLOR and FORCE_COLOR are read here, not from process.env */
  env: Readonly<Record<string, string | undefined>>;
  /** paths are shown relative to it */
  cwd: string;
}

export function processIO(): CommandIO {
  return {
    stdout: { write: (t) => { process.stdout.write(t); }, isTTY: Boolean(process.stdout.isTTY) },
    stderr: { write: (t) => { process.stderr.write(t); }, isTTY: Boolean(process.stderr.isTTY) },
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Colour on a terminal; NO_COLOR (set, not empty) turns it off, FORCE_COLOR (not 0) on. */
export function useColor(io: CommandIO, stream: Output): boolean {
  const { NO_COLOR, FORCE_COLOR } = io.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '0') return true;
  return stream.isTTY;
}
