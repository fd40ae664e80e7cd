// journald reads a `<N>` syslog priority at the start of a line (SyslogLevelPrefix=, on by default)
// and otherwise files every line at info: `journalctl -p err` would never show a Stalled pass.
import { fstatSync } from 'node:fs';

export type PrioritizedLevel = 'debug' | 'info' | 'warn' | 'error';

/** syslog priorities (sd-daemon.h): err 3, warning 4, info 6, debug 7 */
export const SYSLOG_PRIORITY: Record<PrioritizedLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/**
 * True when journald reads this process's stdout or stderr: JOURNAL_STREAM holds `<device>:<inode>`
 * of that stream, and is inherited by children whose output goes elsewhere, so the stream is compared.
 */
export function journaldReadsOutput(env: Record<string, string | undefined> = process.env, fds: number[] = [1, 2]): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  return fds.some((fd) => {
    try {
      const st = fstatSync(fd, { bigint: true });
      return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
    } catch {
      return false; // closed
    }
  });
}

/** PJSIP_GITOPS_SYSLOG_PREFIX=1 or 0 decides; otherwise on exactly when journald reads the output. */
export function syslogPrefixWanted(env: Record<string, string | undefined> = process.env, fds?: number[]): boolean {
  const forced = env.PJSIP_GITOPS_SYSLOG_PREFIX;
  if (forced === '1' || forced === 'true') return true;
  if (forced === '0' || forced === 'false') return false;
  return journaldReadsOutput(env, fds);
}

/** `<3>` for error … `<7>` for debug. */
export function syslogPrefix(level: PrioritizedLevel): string {
  return `<${SYSLOG_PRIORITY[level]}>`;
}
