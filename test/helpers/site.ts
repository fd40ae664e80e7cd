// A small valid site in memory, and a way to change one file of it, for compiler tests.
import type { SourceFile } from '../../compiler/types.js';

export const SITE = `# yaml-language-server: $schema=../schemas/site.schema.json
profile: dev
transports:
  transport-udp: { protocol: udp }
  transport-ws: { protocol: ws }
defaults:
  codecs: [g722, ulaw, alaw]
  options:
    accepts_auth: yes
    accepts_registrations: yes
    endpoint/context: internal
    aor/max_contacts: 5
templates:
  webrtc:
    transport: transport-ws
    codecs: [g722, ulaw, alaw, opus]
    options:
      endpoint/webrtc: yes
  softphone:
    transport: transport-udp
    options:
      endpoint/webrtc: no
ranges:
  - { from: 6000, to: 6009, templates: [webrtc] }
  - { from: 6010, to: 6023, templates: [softphone] }
  - { from: 7000, templates: [softphone, webrtc] }
`;

export function ext(n: number | string, extra = '', auth = '{ password: Maja1234 }'): string {
  return `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: Phone ${n}\nauth: ${auth}\n${extra}`;
}

export function site(files: Record<string, string> = {}): SourceFile[] {
  const all: Record<string, string> = { 'site.yaml': SITE, '6000.yaml': ext(6000), '6010.yaml': ext(6010), ...files };
  return Object.entries(all).filter(([, text]) => text !== '').map(([path, text]) => ({ path, text }));
}

/** line:col (1-based) of the first occurrence of `needle` in `text` */
export function posOf(text: string, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${JSON.stringify(needle)} not in text`);
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}
