// One JSON line per event on stdout (journald keeps each line as one record), and the redaction
// that keeps passwords out of every line, diff and message.
import { MIN_KNOWN_SECRET, redactFields, redactText } from '../compiler/secrets-policy.js';
import { syslogPrefix, syslogPrefixWanted } from './journald.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** learn a secret value so that it is never printed again */
  addSecret(value: string): void;
  redact(text: string): string;
}

/** Replace each known secret value, every value of a password-like field, URL credentials and any key material with `(secret)`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  return redactText(text, secrets);
}

export interface LoggerOptions {
  write?: (line: string) => void;
  /** lowest level printed; default info (debug with PJSIP_GITOPS_DEBUG=1 is the caller's choice) */
  level?: Level;
  clock?: () => Date;
  /** start each line with its syslog priority (`<3>` … `<7>`); default: when journald reads the output (reconciler/journald.ts) */
  syslogPrefix?: boolean;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => { process.stdout.write(line); });
  const min = ORDER[options.level ?? 'info'];
  const clock = options.clock ?? (() => new Date());
  const prefixed = options.syslogPrefix ?? syslogPrefixWanted();
  const secrets = new Set<string>();
  const logger: Logger = {
    log(level, event, fields = {}) {
      if (ORDER[level] < min) return;
      const body = redactFields(fields, secrets) as Record<string, unknown>;
      write((prefixed ? syslogPrefix(level) : '') + JSON.stringify({ time: clock().toISOString(), level, event, ...body }) + '\n');
    },
    info: (event, fields) => logger.log('info', event, fields),
    warn: (event, fields) => logger.log('warn', event, fields),
    error: (event, fields) => logger.log('error', event, fields),
    addSecret(value) { if (value.length >= MIN_KNOWN_SECRET) secrets.add(value); },
    redact: (text) => redact(text, secrets),
  };
  return logger;
}

/** A logger that prints nothing: for commands whose output is the result itself. */
export function silentLogger(): Logger {
  return createLogger({ write: () => {} });
}
