// The differential test's machinery: a site whose templates make every kind of object, the
// generated cases as extension files, the compiler's verdict per case, and what a real Asterisk
// made of each case after a reload (objects listed, and the option's value as `pjsip show` prints it).
import { compile } from '../../compiler/compile.js';
import type { Diagnostic, SourceFile } from '../../compiler/types.js';
import { escapeValue } from '../../compiler/emit.js';
import { parameterRows } from './real-asterisk.js';
import type { Case, Context } from './fidelity-cases.js';

export const FIDELITY_SITE = `# yaml-language-server: $schema=../schemas/site.schema.json
profile: dev
transports:
  transport-udp: { protocol: udp }
  transport-ws: { protocol: ws }
defaults:
  codecs: [g722, ulaw, alaw]
  options:
    accepts_auth: yes
    endpoint/context: internal
templates:
  phone:
    transport: transport-udp
    options:
      accepts_registrations: yes
      aor/max_contacts: 5
  trunk:
    transport: transport-udp
    options:
      accepts_registrations: yes
      aor/max_contacts: 5
      sends_auth: yes
      outbound_auth/username: trunkuser
      outbound_auth/password: trunkpass
  ident:
    transport: transport-udp
    options:
      remote_hosts: 127.0.0.2
  reg:
    transport: transport-udp
    options:
      accepts_registrations: yes
      aor/max_contacts: 5
      sends_registrations: yes
      sends_auth: yes
      remote_hosts: 127.0.0.2:5999
      outbound_auth/username: reguser
      outbound_auth/password: regpass
ranges:
  - { from: 100000, to: 199999, templates: [phone] }
  - { from: 200000, to: 299999, templates: [trunk] }
  - { from: 300000, to: 399999, templates: [ident] }
  - { from: 400000, to: 499999, templates: [reg] }
`;

/** A YAML double-quoted scalar (JSON's escapes are YAML's). */
const q = (s: string) => JSON.stringify(s);

export function extensionYaml(c: Case): string {
  const lines = [
    '# yaml-language-server: $schema=../schemas/extension.schema.json',
    `extension: ${c.number}`,
    `name: ${q(c.name)}`,
    `auth: { password: ${q(c.password)} }`,
  ];
  if (c.key) lines.push('options:', `  ${q(c.key)}: ${q(c.value)}`);
  return lines.join('\n') + '\n';
}

export interface Verdict { accepted: boolean; diagnostics: Diagnostic[] }

/** Compiles every case at once: a case is accepted when its own file has no error. */
export function verdicts(cases: readonly Case[]): Map<string, Verdict> {
  const files: SourceFile[] = [{ path: 'site.yaml', text: FIDELITY_SITE }, ...cases.map((c) => ({ path: `${c.number}.yaml`, text: extensionYaml(c) }))];
  const r = compile(files);
  const site = r.diagnostics.filter((d) => d.file === 'site.yaml' && d.severity === 'error');
  if (site.length) throw new Error(`the fidelity site does not compile: ${site.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of r.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const out = new Map<string, Verdict>();
  for (const c of cases) {
    const ds = byFile.get(`${c.number}.yaml`) ?? [];
    out.set(c.number, { accepted: !ds.some((d) => d.severity === 'error'), diagnostics: ds });
  }
  return out;
}

/** The compiler's pjsip_wizard.conf for a set of accepted cases. */
export function compileAccepted(cases: readonly Case[]): string {
  const files: SourceFile[] = [{ path: 'site.yaml', text: FIDELITY_SITE }, ...cases.map((c) => ({ path: `${c.number}.yaml`, text: extensionYaml(c) }))];
  const r = compile(files);
  if (!r.ok) throw new Error(`accepted cases do not compile together: ${r.diagnostics.filter((d) => d.severity === 'error').slice(0, 5).map((d) => `${d.file} ${d.code} ${d.message}`).join('; ')}`);
  return r.conf;
}

const TEMPLATES: Record<Context, string> = { phone: 'phone', trunk: 'trunk', ident: 'ident', reg: 'reg', bare: 'phone' };

/** The section the compiler would have written for a refused case, had it let it through. */
export function rawSection(c: Case): string {
  const lines = [`[${c.number}](pjsip-gitops-defaults,${TEMPLATES[c.context]})`, 'type = wizard'];
  if (c.key) lines.push(`${c.key} = ${escapeValue(c.value)}`);
  lines.push(`endpoint/callerid = "${c.name}" <${c.number}>`, `inbound_auth/username = ${c.number}`, `inbound_auth/password = ${escapeValue(c.password)}`);
  return lines.join('\n') + '\n';
}

export type Kind = 'endpoint' | 'aor' | 'auth' | 'identify' | 'registration';

export interface Loaded {
  endpoints: Set<string>;
  aors: Set<string>;
  auths: Map<string, string>; // id → username
  identifies: Set<string>;
  registrations: Set<string>;
}

function ids(out: string, label: string): string[] {
  const re = new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'gm');
  return [...out.matchAll(re)].map((m) => m[1]!).filter((x) => !x.startsWith('<'));
}

export type Cli = (command: string) => Promise<string>;

export async function listLoaded(cli: Cli): Promise<Loaded> {
  const e = await cli('pjsip show endpoints');
  const a = await cli('pjsip show aors');
  const au = await cli('pjsip show auths');
  const i = await cli('pjsip show identifies');
  const r = await cli('pjsip show registrations');
  const auths = new Map<string, string>();
  for (const m of au.matchAll(/^\s*Auth:\s+(\S+)\/(\S*)/gm)) if (!m[1]!.startsWith('<')) auths.set(m[1]!, m[2]!);
  return {
    endpoints: new Set(ids(e, 'Endpoint').map((x) => x.split('/')[0]!)),
    aors: new Set(ids(a, 'Aor')),
    auths,
    identifies: new Set([...ids(i, 'Identify'), ...[...i.matchAll(/^\s*(\S+-identify)\//gm)].map((m) => m[1]!)].map((x) => x.split('/')[0]!)),
    registrations: new Set([...r.matchAll(/^\s*(\S+-reg-\d+)\//gm)].map((m) => m[1]!)),
  };
}

/** `pjsip show <kind> <id>` rows. */
export async function showRows(cli: Cli, kind: Kind, id: string): Promise<Map<string, string>> {
  return parameterRows(await cli(`pjsip show ${kind} ${id}`));
}
