// `pjsip-gitops secrets …`: show a host secret to an admin, seal a password for a PR, make the
// host's age identity. Passwords go to stdout only where asked for (get); never to stderr.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import { scrubKeyMaterial } from '../../compiler/secrets-policy.js';
import { encryptPassword, generateAgeIdentity, readIdentityFile, recipientsOf } from '../../reconciler/secrets/age.js';
import { writePrivateFileAtomic } from '../../reconciler/secrets/private-file.js';
import { openSecretStore } from '../../reconciler/secrets/store.js';
import { defineCommand, runCommand, UsageError, usageError, type Options, type Parsed } from '../args.js';
import type { CommandIO } from '../io.js';

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

type Sub = (parsed: Parsed<Options>, io: CommandIO) => Promise<number>;

/** a subcommand: its options and body; `secrets <sub> --help` prints the whole USAGE */
function sub<O extends Options>(name: string, options: O, positionals: boolean, body: (parsed: Parsed<O>, io: CommandIO) => Promise<number>) {
  // an identity given where a path or a recipient belongs must not be echoed back
  return { spec: defineCommand({ name: `secrets ${name}`, help: USAGE, options, positionals, scrub: scrubKeyMaterial }), body: body as Sub };
}

const SUBCOMMANDS: Record<string, ReturnType<typeof sub>> = {
  get: sub('get', { file: { type: 'string' } }, true, get),
  encrypt: sub('encrypt', { recipient: { type: 'string', multiple: true }, site: { type: 'string' } }, false, encrypt),
  keygen: sub('keygen', { out: { type: 'string' } }, false, keygen),
  recipient: sub('recipient', { identity: { type: 'string' } }, false, recipient),
};

function fail(io: CommandIO, message: string): number {
  io.stderr.write(`pjsip-gitops secrets: ${scrubKeyMaterial(message)}\n`);
  return 1;
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io[name ? 'stdout' : 'stderr'].write(USAGE);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!command) return usageError(io, 'secrets', `unknown subcommand '${name}'`, scrubKeyMaterial);
  try {
    return await runCommand(command.spec, rest, io, (parsed) => command.body(parsed, io));
  } catch (err) {
    return fail(io, err instanceof Error ? err.message : String(err));
  }
}

async function get({ values, positionals }: Parsed<{ file: { type: 'string' } }>, io: CommandIO): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('get takes one secret NAME');
  if (!values.file) throw new UsageError('get needs --file <secrets file>');
  const name = positionals[0]!;
  const store = await openSecretStore(values.file);
  const password = store.get(name);
  if (password === undefined) return fail(io, `no secret named '${name}' in ${values.file}`);
  io.stdout.write(`${password}\n`);
  return 0;
}

async function readPassword(io: CommandIO): Promise<string> {
  if (io.stdin.isTTY) {
    // one line from a terminal; the prompt goes to stderr so stdout stays the YAML alone
    const rl = createInterface({ input: io.stdin, terminal: false });
    io.stderr.write('password: ');
    const line = await new Promise<string>((resolve) => rl.once('line', resolve).once('close', () => resolve('')));
    rl.close();
    return line;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
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

async function encrypt({ values }: Parsed<{ recipient: { type: 'string'; multiple: true }; site: { type: 'string' } }>, io: CommandIO): Promise<number> {
  const recipients = [...(values.recipient ?? []), ...(values.site ? await siteRecipients(values.site) : [])];
  if (recipients.length === 0) throw new UsageError('encrypt needs --recipient age1… or --site extensions/site.yaml');
  const password = await readPassword(io);
  if (password === '') return fail(io, 'no password on stdin');
  if (/[\x00-\x1f\x7f]/.test(password)) return fail(io, 'the password holds a control character (a line break?); Asterisk cannot use it');
  const armored = await encryptPassword(password, recipients);
  const body = armored.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  io.stdout.write(`auth:\n  encrypted: |\n${body}\n`);
  return 0;
}

async function keygen({ values }: Parsed<{ out: { type: 'string' } }>, io: CommandIO): Promise<number> {
  if (!values.out) throw new UsageError('keygen needs --out <identity file>');
  // losing the old identity would make every sealed password in Git unreadable
  if (existsSync(values.out)) return fail(io, `${values.out} already exists; refusing to replace an identity`);
  const { recipient: r, fileText } = await generateAgeIdentity(new Date());
  await writePrivateFileAtomic(values.out, fileText);
  io.stdout.write(`${r}\n`);
  io.stderr.write(`identity written to ${values.out} (mode 0600); add the recipient above to age_recipients in extensions/site.yaml\n`);
  return 0;
}

async function recipient({ values }: Parsed<{ identity: { type: 'string' } }>, io: CommandIO): Promise<number> {
  if (!values.identity) throw new UsageError('recipient needs --identity <identity file>');
  for (const r of await recipientsOf(await readIdentityFile(values.identity))) io.stdout.write(`${r}\n`);
  return 0;
}
