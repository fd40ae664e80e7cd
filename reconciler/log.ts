// One JSON line per event on stdout (journald keeps each line as one record), and the redaction
// that keeps passwords out of every line, diff and message.
import { scrubKeyMaterial } from '../compiler/passwords.js';
import { REDACTED } from '../compiler/types.js';

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

// `password = x`, `inbound_auth/password = x`, `md5_cred: x`, `secret=x`: the value after the key
const SECRET_FIELD =
  /^([ \t]*[-+~ ]?[ \t]*[\w./-]*(?:password|passwd|secret|md5_cred|password_digest|refresh_token|private_?key|passphrase)[\w./-]*[ \t]*(?:=>?|:)[ \t]*)(\S.*?)([ \t]*)$/gim;

// credentials in a URL (a git remote): `scheme://user:password@`, and a token alone before `@` in http(s)
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)[^\s/@]+@/gi;
const URL_TOKEN = /(\bhttps?:\/\/)[^\s/@:]+@/gi;

/** Replace each known secret value, every value of a password-like field, URL credentials and any key material with `(secret)`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = scrubKeyMaterial(text).replace(URL_PASSWORD, `$1${REDACTED}@`).replace(URL_TOKEN, `$1${REDACTED}@`);
  // longest first, so a secret containing another is replaced whole
  const values = [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  for (const v of values) out = out.split(v).join(REDACTED);
  return out.replace(SECRET_FIELD, (_m, head: string, value: string, tail: string) =>
    value === REDACTED ? `${head}${value}${tail}` : `${head}${REDACTED}${tail}`);
}

const SECRET_KEY = /password|passwd|secret|md5_cred|password_digest|refresh_token|private_?key|passphrase|identity/i;

function redactValue(value: unknown, secrets: Set<string>, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) && value !== '' ? REDACTED : redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, key));
  if (value instanceof Error) return redact(value.message, secrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, secrets, k);
    return out;
  }
  return value;
}

export interface LoggerOptions {
  write?: (line: string) => void;
  /** lowest level printed; default info (debug with PJSIP_GITOPS_DEBUG=1 is the caller's choice) */
  level?: Level;
  clock?: () => Date;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => { process.stdout.write(line); });
  const min = ORDER[options.level ?? 'info'];
  const clock = options.clock ?? (() => new Date());
  const secrets = new Set<string>();
  const logger: Logger = {
    log(level, event, fields = {}) {
      if (ORDER[level] < min) return;
      const body = redactValue(fields, secrets) as Record<string, unknown>;
      write(JSON.stringify({ time: clock().toISOString(), level, event, ...body }) + '\n');
    },
    info: (event, fields) => logger.log('info', event, fields),
    warn: (event, fields) => logger.log('warn', event, fields),
    error: (event, fields) => logger.log('error', event, fields),
    addSecret(value) { if (value.length >= 3) secrets.add(value); },
    redact: (text) => redact(text, secrets),
  };
  return logger;
}

/** A logger that prints nothing: for commands whose output is the result itself. */
export function silentLogger(): Logger {
  return createLogger({ write: () => {} });
}
