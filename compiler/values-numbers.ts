// Numbers as Asterisk reads them: ast_parse_arg(PARSE_UINT32) is strtoul(base 0) — a leading 0 is
// octal, 0x is hex, + and leading blanks are taken — and PARSE_DOUBLE is strtod. A value is accepted
// only when it is written in plain decimal and reads as exactly that number (main/config.c).
import type { OptionFact } from './option-facts.js';
import type { ValueProblem } from './value-problem.js';

const UINT_MAX = 4294967295;

/** A plain decimal whole number's problem for this option, or null; `warnZero` when 07-style octal equals the decimal. */
export function checkUint(key: string, value: string, f: OptionFact, drops: string): ValueProblem | null {
  const lo = f.min ?? 0;
  const hi = f.max ?? UINT_MAX;
  const range = `a whole number from ${lo} to ${hi}`;
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) {
    const n = Number.parseInt(value.slice(2), 16);
    return f.strict
      ? { code: 'BAD_NUMBER', message: `${key} = ${value}: Asterisk reads this as 0`, hint: `write ${n} in decimal` }
      : { code: 'BAD_NUMBER', message: `${key} = ${value}: Asterisk reads hex, so this is ${n}`, hint: `write ${n} in decimal` };
  }
  if (/^\+[0-9]+$/.test(value)) return { code: 'BAD_NUMBER', message: `${key} = ${value}: write the number without a sign`, hint: `write ${value.slice(1)}` };
  if (/^-[0-9]+$/.test(value)) {
    return f.strict
      ? { code: 'BAD_NUMBER', message: `${key} = ${value}: Asterisk wraps a negative number to ${2 ** 32 - Number(value.slice(1)) % 2 ** 32}`, hint: `must be ${range}` }
      : { code: 'BAD_NUMBER', message: `${key} = ${value}: Asterisk refuses a negative number and drops ${drops}`, hint: `must be ${range}` };
  }
  if (!/^[0-9]+$/.test(value)) {
    return { code: 'BAD_NUMBER', message: `${key} = ${value}: not a whole number; Asterisk drops ${drops}`, hint: `must be ${range}` };
  }
  let n = Number(value);
  if (!f.strict && value.length > 1 && value.startsWith('0')) {
    if (/[89]/.test(value)) {
      return { code: 'BAD_NUMBER', message: `${key} = ${value}: a leading 0 makes Asterisk read octal, and ${value} is not octal: it drops ${drops}`, hint: `write ${Number(value)}` };
    }
    const octal = Number.parseInt(value, 8);
    if (octal !== n) {
      return { code: 'BAD_NUMBER', message: `${key} = ${value}: a leading 0 makes Asterisk read octal, so this is ${octal}, not ${n}`, hint: `write ${n} (or ${octal} if that is what you meant)` };
    }
    n = octal;
  }
  if (n < lo || n > hi) {
    return { code: 'BAD_NUMBER', message: `${key} = ${value}: must be ${range}${n > UINT_MAX && !f.strict ? `; Asterisk drops ${drops}` : ''}` };
  }
  return null;
}

/** A leading zero Asterisk reads as octal but to the same number (07): loads, yet almost surely a slip. */
export function leadingZero(value: string, f: OptionFact): boolean {
  return /^0[0-7]+$/.test(value) && !f.strict;
}

const DECIMAL = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

export function checkDouble(key: string, value: string, drops: string): ValueProblem | null {
  if (DECIMAL.test(value)) return null;
  if (/^[-+]?(0[xX]|inf|nan)/i.test(value) || value.startsWith('+')) {
    return { code: 'BAD_NUMBER', message: `${key} = ${value}: Asterisk reads this with strtod, which makes it something else than written`, hint: 'write a plain decimal number such as 3.5' };
  }
  return { code: 'BAD_NUMBER', message: `${key} = ${value}: not a number; Asterisk drops ${drops}`, hint: 'write a plain decimal number such as 3.5' };
}
