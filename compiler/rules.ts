// Stage 4: rules across files, each a small named function over the whole site (like changesets'
// config checks). They see schema-valid inputs only and report; none of them stops the others.
import { finding } from './diagnostics.js';
import { effectiveExtension, effectiveTemplate, flag, valueOf, type Effective } from './effective.js';
import type { Rule } from './rule.js';
import { PRODUCTION_RULES } from './rules-production.js';
import { optionRules } from './rules-options.js';

export const DEFAULTS_SECTION = 'pjsip-gitops-defaults';
const WEBSOCKET = new Set(['ws', 'wss']);

export type { RuleContext } from './rule.js';

const rangesInOrder: Rule = ({ site, report }) => {
  for (const r of site.ranges) {
    if (r.to < r.from) report(finding('RANGE_ORDER', 'error', r.at, `range ${r.from}–${r.to} ends before it starts`));
  }
  const sorted = [...site.ranges].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.from <= prev.to) {
      report(finding('RANGE_OVERLAP', 'error', cur.at,
        `range ${show(cur.from, cur.to)} overlaps range ${show(prev.from, prev.to)}`,
        'every number must belong to exactly one range'));
    }
  }
};

const rangeTemplatesExist: Rule = ({ site, templates, report }) => {
  for (const r of site.ranges) {
    for (const t of r.templates) {
      if (!templates.has(t.name)) report(finding('UNKNOWN_TEMPLATE', 'error', t.at, `range ${show(r.from, r.to)} names template '${t.name}', which site.yaml does not define`));
    }
  }
};

const sectionNames: Rule = ({ site, extensions, report }) => {
  const seen = new Map<string, string>([[DEFAULTS_SECTION, DEFAULTS_SECTION]]);
  const claim = (name: string, at: { file: string; start: number; end: number }) => {
    if (name.length > 79 || !/^[0-9A-Za-z_-]+$/.test(name)) {
      report(finding('BAD_SECTION_NAME', 'error', at, `'${name}' cannot be a section name`, 'use 1–79 characters of 0-9 A-Z a-z _ -'));
      return;
    }
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) {
      report(finding('SECTION_NAME_CLASH', 'error', at, `section [${name}] clashes with [${other}]: Asterisk matches section names ignoring case`));
    } else {
      seen.set(name.toLowerCase(), name);
    }
  };
  for (const t of site.templates) claim(t.name, t.nameAt);
  // duplicate numbers get their own, clearer diagnostic
  const numbers = new Set<string>();
  for (const e of extensions) {
    if (numbers.has(e.number) || e.numberProblem) continue;
    numbers.add(e.number);
    claim(e.number, e.numberAt);
  }
};

const extensionPlacement: Rule = ({ site, extensions, templates, templateOf, report }) => {
  const firstFile = new Map<string, string>();
  for (const e of extensions) {
    if (e.numberProblem) { report(e.numberProblem); continue; }
    const base = e.file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    if (base !== e.number) {
      report(finding('FILE_NAME_MISMATCH', 'error', e.numberAt, `extension ${e.number} is in ${e.file}`, `rename the file to ${e.number}.yaml`));
    }
    const first = firstFile.get(e.number);
    if (first !== undefined) {
      report(finding('DUPLICATE_EXTENSION', 'error', e.numberAt, `extension ${e.number} is already defined in ${first}`));
      continue;
    }
    firstFile.set(e.number, e.file);
    const n = Number(e.number);
    const range = site.ranges.find((r) => n >= r.from && n <= r.to);
    if (!range) {
      report(finding('OUT_OF_RANGE', 'error', e.numberAt, `extension ${e.number} is in no range of site.yaml`,
        `ranges: ${site.ranges.map((r) => show(r.from, r.to)).join(', ')}`));
      continue;
    }
    const wanted = e.template?.name ?? range.templates[0]!.name;
    if (e.template && !range.templates.some((t) => t.name === wanted)) {
      report(finding('TEMPLATE_NOT_ALLOWED', 'error', e.template.at,
        `range ${show(range.from, range.to)} does not allow template '${wanted}'`,
        `allowed: ${range.templates.map((t) => t.name).join(', ')}`));
      continue;
    }
    const template = templates.get(wanted);
    if (!template) {
      if (e.template) report(finding('UNKNOWN_TEMPLATE', 'error', e.template.at, `no template '${wanted}' in site.yaml`));
      continue;
    }
    templateOf.set(e, template);
  }
};

/** Options the wizard sets itself, so what is written for them never takes effect. */
function overridden(e: Effective): Map<string, string> {
  const out = new Map<string, string>([['endpoint/aors', 'the wizard sets endpoint/aors to the section name']]);
  if (flag(e, 'accepts_auth')) out.set('endpoint/auth', 'with accepts_auth = yes the wizard sets endpoint/auth to <name>-iauth; authentication is already required');
  if (flag(e, 'sends_auth')) out.set('endpoint/outbound_auth', 'with sends_auth = yes the wizard sets endpoint/outbound_auth itself');
  if (e.transport) out.set('endpoint/transport', 'the template\'s transport: is written as the wizard\'s transport, which sets endpoint/transport');
  return out;
}

const wizardOverrides: Rule = ({ site, extensions, templateOf, report }) => {
  const check = (e: Effective, own: Iterable<{ key: string; keyAt: { file: string; start: number; end: number } }>) => {
    const o = overridden(e);
    for (const opt of own) {
      const why = o.get(opt.key);
      if (why) report(finding('OVERRIDDEN_OPTION', 'warning', opt.keyAt, `${opt.key} has no effect`, why));
    }
  };
  check(effectiveTemplate(site, undefined), site.defaults.options);
  for (const t of site.templates) check(effectiveTemplate(site, t), t.options);
  for (const e of extensions) {
    const t = templateOf.get(e);
    if (t) check(effectiveExtension(site, t, e), e.options);
  }
};

const maxContacts: Rule = ({ site, extensions, templateOf, report }) => {
  const reported = new Set<unknown>();
  for (const ext of extensions) {
    const t = templateOf.get(ext);
    if (!t) continue;
    const e = effectiveExtension(site, t, ext);
    if (!flag(e, 'accepts_registrations')) continue;
    if (!flag(e, 'accepts_auth')) {
      const written = e.options.get('accepts_auth');
      report(finding('REGISTRATION_WITHOUT_AUTH', 'error', written?.valueAt ?? ext.numberAt,
        `extension ${ext.number} accepts registrations without authentication: anyone could register as it`,
        'set accepts_auth: yes (in site.yaml defaults)'));
    }
    const v = valueOf(e, 'aor/max_contacts');
    if (v !== undefined && v !== '0') continue;
    const written = e.options.get('aor/max_contacts');
    const at = written?.valueAt ?? ext.numberAt;
    if (written && reported.has(written)) continue;
    reported.add(written);
    report(finding('MAX_CONTACTS_ZERO', 'error', at,
      `extension ${ext.number} accepts registrations but aor/max_contacts is ${written ? '0' : 'not set (Asterisk default 0)'}: its REGISTER gets 403`,
      'set aor/max_contacts to 1 or more (the runbook uses 5)'));
  }
};

const transports: Rule = ({ site, extensions, templateOf, report }) => {
  // `ownAt`: an extension's own endpoint/webrtc, where its problems are reported
  const checkSet = (label: string, e: Effective, fallbackAt: { file: string; start: number; end: number }, ownAt?: { file: string; start: number; end: number }) => {
    const webrtc = flag(e, 'endpoint/webrtc');
    const t = e.transport;
    if (t && !site.transports.has(t.name)) {
      report(finding('UNKNOWN_TRANSPORT', 'error', t.at, `transport '${t.name}' is not declared under transports: in site.yaml`,
        site.transports.size ? `declared: ${[...site.transports.keys()].join(', ')}` : 'declare the transports of pjsip.conf with their protocol'));
      return;
    }
    const protocol = t ? site.transports.get(t.name)!.protocol : undefined;
    if (webrtc && (!protocol || !WEBSOCKET.has(protocol))) {
      report(finding('WEBRTC_TRANSPORT', 'error', ownAt ?? t?.at ?? fallbackAt,
        `${label} has endpoint/webrtc = yes but ${t ? `transport '${t.name}' is ${protocol}` : 'no transport'}: browsers register, yet every call to them fails`,
        'give it a ws or wss transport'));
    } else if (!webrtc && protocol && WEBSOCKET.has(protocol)) {
      report(finding('NON_WEBRTC_WS_TRANSPORT', 'error', ownAt ?? t!.at,
        `${label} is not WebRTC but uses WebSocket transport '${t!.name}'`, 'use a udp, tcp or tls transport, or set endpoint/webrtc = yes'));
    }
  };
  for (const t of site.templates) checkSet(`template '${t.name}'`, effectiveTemplate(site, t), t.nameAt);
  for (const ext of extensions) {
    const t = templateOf.get(ext);
    const own = ext.options.find((o) => o.key === 'endpoint/webrtc');
    if (t && own) checkSet(`extension ${ext.number}`, effectiveExtension(site, t, ext), own.keyAt, own.keyAt);
  }
};

/** Open-source Asterisk has no Opus transcoder: an Opus-first leg cannot be bridged to a leg without Opus. */
const opusPath: Rule = ({ site, report }) => {
  const sets = site.templates.map((t) => ({ t, e: effectiveTemplate(site, t) }));
  for (const { t, e } of sets) {
    const first = e.codecs?.list[0]?.split(':')[0];
    if (first !== 'opus') continue;
    const context = valueOf(e, 'endpoint/context');
    const without = sets.filter((o) => o.t !== t && valueOf(o.e, 'endpoint/context') === context &&
      !(o.e.codecs?.list ?? []).some((c) => c.split(':')[0] === 'opus' || c === 'all'));
    if (without.length === 0) continue;
    const names = without.map((o) => `'${o.t.name}'`).join(', ');
    report(finding('OPUS_NO_PATH', 'warning', e.codecs!.itemAt[0]!,
      `template '${t.name}' prefers opus, but ${names} in the same context has no opus: calls between them are answered and then drop at once (Asterisk cannot transcode Opus)`,
      `put a shared codec first (e.g. ${e.codecs!.list.filter((c) => c !== 'opus').concat('opus').join(', ')}) or add opus to ${names}`));
  }
};

export const RULES: readonly Rule[] = [
  rangesInOrder, rangeTemplatesExist, sectionNames, extensionPlacement, wizardOverrides, maxContacts, transports, opusPath, optionRules,
  ...PRODUCTION_RULES,
];

function show(from: number, to: number): string {
  return to === Infinity ? `${from}+` : `${from}–${to}`;
}
