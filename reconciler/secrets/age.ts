// Sealed passwords: a PR carries `auth: { encrypted: <age armor> }` sealed to the host's recipients
// (site.yaml `age_recipients:`); only the host's identity file opens it.
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { readPrivateFile } from './private-file.js';
import { scrubKeyMaterial } from '../../compiler/secrets-policy.js';

export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

export class AgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeError';
  }
}

// age messages are about headers and stanzas, but never let key material through by accident
const scrub = scrubKeyMaterial;
const why = (err: unknown): string => scrub(err instanceof Error ? err.message : String(err));

/** Seal one password to every recipient (`age1…`); returns the ASCII-armored file with a final newline. */
export async function encryptPassword(password: string, recipients: string[]): Promise<string> {
  if (recipients.length === 0) throw new AgeError('no age recipients given: pass --recipient age1… or a site.yaml with age_recipients');
  const e = new Encrypter();
  for (const r of recipients) {
    const recipient = r.trim();
    try {
      if (/^AGE-SECRET-KEY-/i.test(recipient)) {
        throw new AgeError('an age identity (AGE-SECRET-KEY-…) was given where a recipient (age1…) belongs; keep the identity on the host ' +
          'and give its recipient: pjsip-gitops secrets recipient --identity <identity file>');
      }
      if (!recipient.startsWith('age1')) throw new Error('it does not start with age1');
      e.addRecipient(recipient);
    } catch (err) {
      if (err instanceof AgeError) throw err;
      throw new AgeError(`'${scrub(recipient)}' is not an age recipient: ${why(err)}`);
    }
  }
  return armor.encode(await e.encrypt(password));
}

/** The identities in an age identity file: `AGE-SECRET-KEY-…` lines; `#` comments and blank lines ignored. */
export function parseIdentities(identityFileText: string): string[] {
  const ids: string[] = [];
  for (const [i, raw] of identityFileText.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-/.test(line)) throw new AgeError(`age identity file line ${i + 1} is not an AGE-SECRET-KEY-… identity`);
    ids.push(line);
  }
  if (ids.length === 0) throw new AgeError('the age identity file holds no AGE-SECRET-KEY-… identity');
  return ids;
}

/** Open an armored age file with the identities of an identity file; the password, exactly as sealed. */
export async function decryptArmored(armored: string, identityFileText: string): Promise<string> {
  const text = armored.trim();
  if (!text.startsWith(ARMOR_BEGIN)) throw new AgeError(`not an age armored file: it must start with ${ARMOR_BEGIN}`);
  let file: Uint8Array;
  try {
    file = armor.decode(text);
  } catch (err) {
    throw new AgeError(`damaged age armor: ${why(err)}`);
  }
  const d = new Decrypter();
  try {
    for (const id of parseIdentities(identityFileText)) d.addIdentity(id);
  } catch (err) {
    if (err instanceof AgeError) throw err;
    throw new AgeError(`unusable age identity: ${why(err)}`);
  }
  try {
    return await d.decrypt(file, 'text');
  } catch (err) {
    throw new AgeError(`cannot open the sealed password: ${why(err)}`);
  }
}

/** The identity file's text, refusing one that group or world can read. */
export function readIdentityFile(path: string): Promise<string> {
  return readPrivateFile(path);
}

/** A new X25519 identity and its recipient, and the identity file text in age-keygen's layout. */
export async function generateAgeIdentity(now: Date): Promise<{ identity: string; recipient: string; fileText: string }> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const fileText = `# created: ${now.toISOString()}\n# public key: ${recipient}\n${identity}\n`;
  return { identity, recipient, fileText };
}

/** The recipient (public key) of each identity in an identity file. */
export async function recipientsOf(identityFileText: string): Promise<string[]> {
  return Promise.all(parseIdentities(identityFileText).map((id) => identityToRecipient(id)));
}
