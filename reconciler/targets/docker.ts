// Asterisk in a Docker container on this host (the runbook's setup, host networking): the live file
// is on the host and bind-mounted into the container, so files go through the host like LocalTarget;
// commands run as `docker exec <container> <argv…>`.
import type { ExecResult, Target } from '../target.js';
import { runProcess, type ExecOptions } from '../io/process.js';
import { readFileOrNull, writeLiveFile } from './local.js';

export interface DockerTargetOptions extends ExecOptions {
  container: string;
  /** the docker CLI; default 'docker' (found on PATH) */
  dockerBin?: string;
}

// Docker's own rule for container names; it also keeps a name from being read as an option
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class DockerTarget implements Target {
  readonly describe: string;
  private readonly dockerBin: string;

  constructor(private readonly opts: DockerTargetOptions) {
    if (!CONTAINER_NAME.test(opts.container)) {
      throw new Error(`docker target: '${opts.container}' is not a valid container name or id`);
    }
    this.dockerBin = opts.dockerBin ?? 'docker';
    this.describe = `docker:${opts.container}`;
  }

  /** The argv actually run on the host for `argv` in the container. */
  dockerArgv(argv: string[]): string[] {
    return [this.dockerBin, 'exec', this.opts.container, ...argv];
  }

  readFile(path: string): Promise<Buffer | null> {
    return readFileOrNull(path);
  }

  writeFileAtomic(path: string, data: Buffer, mode: number): Promise<void> {
    return writeLiveFile(path, data, mode);
  }

  // On timeout the docker CLI is killed; Docker does not pass that on, so a wedged command inside
  // the container lives on until it ends by itself (a known Docker limitation).
  exec(argv: string[], timeoutMs: number): Promise<ExecResult> {
    return runProcess(this.dockerArgv(argv), timeoutMs, this.opts);
  }

  async close(): Promise<void> {}
}
