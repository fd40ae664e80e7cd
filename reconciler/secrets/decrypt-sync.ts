// Opening a sealed password synchronously. age-encryption's API is async and the compiler's
// resolver is not, so a cache miss waits on a short-lived node child that runs the same library.
// The identity and the password travel over pipes only (never argv or the environment).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AgeError, parseIdentities } from './age.js';

const CHILD = `
const age = await import(process.argv[1]);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { identities, armored } = JSON.parse(input);
let out;
try {
  const d = new age.Decrypter();
  for (const id of identities) d.addIdentity(id);
  out = { ok: true, password: await d.decrypt(age.armor.decode(armored), 'text') };
} catch (err) {
  out = { ok: false, reason: String(err && err.message || err).replace(/AGE-SECRET-KEY-[0-9A-Z-]+/gi, '(secret)') };
}
process.stdout.write(JSON.stringify(out));
`;

let ageUrl: string | undefined;

export function decryptArmoredSync(armored: string, identityFileText: string, timeoutMs = 30_000): string {
  ageUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('age-encryption')).href;
  const identities = parseIdentities(identityFileText);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, ageUrl], {
    input: JSON.stringify({ identities, armored: armored.trim() }),
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error || r.status !== 0) throw new AgeError(`cannot open the sealed password: the decrypting process failed (${r.error?.message ?? `exit ${r.status}`})`);
  let out: { ok: boolean; password?: string; reason?: string };
  try {
    out = JSON.parse(r.stdout) as typeof out;
  } catch {
    throw new AgeError('cannot open the sealed password: the decrypting process gave no answer');
  }
  if (!out.ok || typeof out.password !== 'string') throw new AgeError(`cannot open the sealed password: ${out.reason ?? 'unknown error'}`);
  return out.password;
}
