// `pjsip-gitops secrets …`: show a host secret to an admin, seal a password for a PR, make the
// host's age identity. Passwords go to stdout only where asked for (get); never to stderr.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { scrubKeyMaterial } from '../../compiler/passwords.js';
import { encryptPassword, generateAgeIdentity, readIdentityFile, recipientsOf } from '../secrets/age.js';
import { writePrivateFileAtomic } from '../secrets/private-file.js';
import { openSecretStore } from '../secrets/store.js';

const USAGE = `usage: pjsip-gitops secrets <subcommand> [options]

  get NAME --file <secrets file>
      print the password stored under NAME (run on the PBX host, as the reconciler's user)
  encrypt (--recipient age1… [--recipient …] | --site extensions/site.yaml)
      read a password from stdin and print the auth: block to paste into an extension file,
      sealed so that only the host can open it (recipients from site.yaml age_recipients)
  keygen --out <identity file>
      make the host's age identity (written 0600) and print its recipient for site.yaml
  recipient --identity <identity file>
      print the recipient of an existing identity

exit codes: 0 ok, 1 failed, 2 usage
`;

class UsageError extends Error {}

function fail(message: string, code = 1): number {
  // an identity given where a path or a recipient belongs must not be echoed back
  process.stderr.write(`pjsip-gitops secrets: ${scrubKeyMaterial(message)}\n`);
  return code;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process[sub ? 'stdout' : 'stderr'].write(USAGE);
    return sub ? 0 : 2;
  }
  try {
    switch (sub) {
      case 'get': return await get(rest);
      case 'encrypt': return await encrypt(rest);
      case 'keygen': return await keygen(rest);
      case 'recipient': return await recipient(rest);
      default: throw new UsageError(`unknown subcommand '${sub}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message}\n\n${USAGE}`, 2);
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return fail(`${err.message}\n\n${USAGE}`, 2);
    return fail(err instanceof Error ? err.message : String(err));
  }
}

function wantsHelp(rest: string[]): boolean {
  if (!rest.includes('--help') && !rest.includes('-h')) return false;
  process.stdout.write(USAGE);
  return true;
}

async function get(rest: string[]): Promise<number> {
  if (wantsHelp(rest)) return 0;
  const { values, positionals } = parseArgs({ args: rest, options: { file: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('get takes one secret NAME');
  if (!values.file) throw new UsageError('get needs --file <secrets file>');
  const name = positionals[0]!;
  const store = await openSecretStore(values.file);
  const password = store.get(name);
  if (password === undefined) return fail(`no secret named '${name}' in ${values.file}`);
  process.stdout.write(`${password}\n`);
  return 0;
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    // one line from a terminal; the prompt goes to stderr so stdout stays the YAML alone
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
    process.stderr.write('password: ');
    const line = await new Promise<string>((resolve) => rl.once('line', resolve).once('close', () => resolve('')));
    rl.close();
    return line;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function siteRecipients(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const site = parseYaml(text) as { age_recipients?: unknown } | null;
  const list = site?.age_recipients;
  if (!Array.isArray(list) || list.length === 0 || !list.every((r) => typeof r === 'string')) {
    throw new Error(`${path} has no age_recipients: list the host's age1… recipients there, or pass --recipient`);
  }
  return list as string[];
}

async function encrypt(rest: string[]): Promise<number> {
  if (wantsHelp(rest)) return 0;
  const { values } = parseArgs({
    args: rest,
    options: { recipient: { type: 'string', multiple: true }, site: { type: 'string' } },
    allowPositionals: false,
  });
  const recipients = [...(values.recipient ?? []), ...(values.site ? await siteRecipients(values.site) : [])];
  if (recipients.length === 0) throw new UsageError('encrypt needs --recipient age1… or --site extensions/site.yaml');
  const password = await readPassword();
  if (password === '') return fail('no password on stdin');
  if (/[\x00-\x1f\x7f]/.test(password)) return fail('the password holds a control character (a line break?); Asterisk cannot use it');
  const armored = await encryptPassword(password, recipients);
  const body = armored.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  process.stdout.write(`auth:\n  encrypted: |\n${body}\n`);
  return 0;
}

async function keygen(rest: string[]): Promise<number> {
  if (wantsHelp(rest)) return 0;
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, allowPositionals: false });
  if (!values.out) throw new UsageError('keygen needs --out <identity file>');
  // losing the old identity would make every sealed password in Git unreadable
  if (existsSync(values.out)) return fail(`${values.out} already exists; refusing to replace an identity`);
  const { recipient: r, fileText } = await generateAgeIdentity(new Date());
  await writePrivateFileAtomic(values.out, fileText);
  process.stdout.write(`${r}\n`);
  process.stderr.write(`identity written to ${values.out} (mode 0600); add the recipient above to age_recipients in extensions/site.yaml\n`);
  return 0;
}

async function recipient(rest: string[]): Promise<number> {
  if (wantsHelp(rest)) return 0;
  const { values } = parseArgs({ args: rest, options: { identity: { type: 'string' } }, allowPositionals: false });
  if (!values.identity) throw new UsageError('recipient needs --identity <identity file>');
  for (const r of await recipientsOf(await readIdentityFile(values.identity))) process.stdout.write(`${r}\n`);
  return 0;
}
