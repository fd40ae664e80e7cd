// The argument kit every command uses: options and help declared once, `--help`/`-h` answered here,
// and a usage error is one line that says what is wrong and where the help is (exit 2).
import { parseArgs } from 'node:util';
import type { CommandIO } from './io.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
}

export type Options = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S extends { multiple: true } ? string[] : string;
export type Values<O extends Options> = { [K in keyof O]?: ValueOf<O[K]> };

export interface CommandSpec<O extends Options> {
  /** as typed after `pjsip-gitops`: 'apply', 'secrets get' */
  name: string;
  /** printed for --help; declares the same options as `options` */
  help: string;
  options: O;
  /** positional arguments allowed (default: none) */
  positionals?: boolean;
  /** applied to every message this kit prints (secrets: key material is never echoed) */
  scrub?: (text: string) => string;
}

export interface Parsed<O extends Options> {
  values: Values<O>;
  positionals: string[];
}

/** Declares a command; the option types flow into its body's `values`. */
export function defineCommand<O extends Options>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** A mistake in how the command was called: exit 2, the message, and where the help is. */
export class UsageError extends Error {}

/** The options in `args`, or a UsageError in plain words; null when help was asked for. */
export function parse<O extends Options>(spec: CommandSpec<O>, args: string[]): Parsed<O> | null {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' } } as Options;
  // non-strict with tokens: the checks below say what is wrong in our words, not Node's
  const { values, positionals, tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return null;
  for (const t of tokens) {
    if (t.kind === 'positional' && !spec.positionals) throw new UsageError(`unexpected argument '${t.value}'`);
    if (t.kind !== 'option') continue;
    const o = options[t.name];
    if (!o) throw new UsageError(`unknown option '${t.rawName}'${didYouMean(t.rawName, Object.keys(options).map((n) => `--${n}`))}`);
    const shown = o.short ? `-${o.short}, --${t.name}` : `--${t.name}`;
    if (o.type === 'boolean' && t.value !== undefined) throw new UsageError(`option '${shown}' takes no value`);
    if (o.type === 'string') {
      if (t.value === undefined) throw new UsageError(`option '${shown}' needs a value`);
      if (!t.inlineValue && t.value.startsWith('-')) {
        throw new UsageError(`option '${shown}' needs a value ('${t.value}' looks like an option; write --${t.name}=${t.value} if it is the value)`);
      }
    }
  }
  return { values: values as Values<O>, positionals };
}

/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours: `valdiate`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean 'x'?)` for the closest candidate within a typo's reach, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.startsWith(w) && w.length >= 3 ? 0.5 : distance(w, c.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best ? ` (did you mean '${best.c}'?)` : '';
}

/** Writes the usage error: one line, then where the help is. */
export function usageError(io: CommandIO, name: string, message: string, scrub: (s: string) => string = (s) => s): number {
  io.stderr.write(scrub(`pjsip-gitops ${name}: ${message}\n`) + `Run 'pjsip-gitops ${name} --help' for its options.\n`);
  return 2;
}

/**
 * Runs a command body with its parsed arguments: --help prints the help (exit 0); a UsageError,
 * from the parse or from the body, exits 2. Other errors go up to the CLI's internal-error handler.
 */
export async function runCommand<O extends Options>(spec: CommandSpec<O>, args: string[], io: CommandIO,
  body: (parsed: Parsed<O>) => Promise<number>): Promise<number> {
  try {
    const parsed = parse(spec, args);
    if (!parsed) {
      io.stdout.write(spec.help);
      return 0;
    }
    return await body(parsed);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, spec.name, err.message, spec.scrub);
    throw err;
  }
}
