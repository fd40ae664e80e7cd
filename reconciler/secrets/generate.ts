// Passwords the host makes for extensions that have none yet: random, and safe to write as a
// wizard option value (no `;`, `#`, quotes, spaces or backslashes to escape or misread).
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const GENERATED_LENGTH = 24; // 24 × log2(62) ≈ 143 bits

export function generatePassword(length = GENERATED_LENGTH): string {
  if (!Number.isInteger(length) || length < 20) throw new Error('a generated password has at least 20 characters');
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: rejecting bytes above it keeps every character equally likely
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
