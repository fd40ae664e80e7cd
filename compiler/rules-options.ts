// Rules across options of one extension, on the values Asterisk sees after defaults and templates
// (catalog defaults for what is not written): what the objects' apply handlers refuse together, and
// options that do nothing because the wizard does not make their object.
//   res/res_pjsip/pjsip_configuration.c:sip_endpoint_apply_handler — session timers, RTP ports
//   main/rtp_engine.c:ast_rtp_dtls_cfg_validate — dtls_auto_generate_cert with dtls_cert_file
//   res/res_pjsip_config_wizard.c:handle_auth, handle_identify, handle_registrations — which objects exist
import { finding, type Report } from './diagnostics.js';
import { effectiveExtension, flag, valueOf, type Effective } from './effective.js';
import type { OptionInput } from './input.js';
import type { RuleContext } from './rule.js';

type Check = (e: Effective, say: (key: string | string[], code: 'OPTION_CONFLICT' | 'NO_EFFECT', message: string, hint?: string) => void) => void;

const num = (e: Effective, key: string): number | undefined => {
  const v = valueOf(e, key);
  return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : undefined;
};

const sessionTimers: Check = (e, say) => {
  const minSe = num(e, 'endpoint/timers_min_se');
  const expires = num(e, 'endpoint/timers_sess_expires');
  if (minSe !== undefined && expires !== undefined && expires < minSe) {
    say(['endpoint/timers_sess_expires', 'endpoint/timers_min_se'], 'OPTION_CONFLICT',
      `endpoint/timers_sess_expires (${expires}) is below endpoint/timers_min_se (${minSe}): Asterisk drops the endpoint`,
      'timers_sess_expires must be at least timers_min_se (default 90; sess_expires default 1800)');
  }
};

const rtpPorts: Check = (e, say) => {
  const start = num(e, 'endpoint/rtp_port_start') ?? 0;
  const end = num(e, 'endpoint/rtp_port_end') ?? 0;
  if (!start && !end) return;
  const at = ['endpoint/rtp_port_start', 'endpoint/rtp_port_end'];
  if (!start || !end) say(at, 'OPTION_CONFLICT', 'endpoint/rtp_port_start and endpoint/rtp_port_end are set only together: Asterisk drops the endpoint', 'set both, or neither');
  else if (start < 1024 || end < 1024) say(at, 'OPTION_CONFLICT', `the endpoint's RTP ports must be 1024 or more (${start}–${end}): Asterisk drops the endpoint`);
  else if (end <= start) say(at, 'OPTION_CONFLICT', `endpoint/rtp_port_end (${end}) must be above endpoint/rtp_port_start (${start}): Asterisk drops the endpoint`);
};

const dtlsCert: Check = (e, say) => {
  if (flag(e, 'endpoint/dtls_auto_generate_cert') && valueOf(e, 'endpoint/dtls_cert_file')) {
    say(['endpoint/dtls_cert_file', 'endpoint/dtls_auto_generate_cert'], 'OPTION_CONFLICT',
      'endpoint/dtls_auto_generate_cert = yes together with endpoint/dtls_cert_file: Asterisk drops the endpoint', 'use one or the other');
  }
};

const sendsAuth: Check = (e, say) => {
  if (flag(e, 'sends_auth') && !valueOf(e, 'outbound_auth/username')) {
    say(['outbound_auth/username', 'sends_auth'], 'OPTION_CONFLICT', 'sends_auth = yes without outbound_auth/username: the wizard then makes NEITHER auth object (inbound nor outbound)',
      'set outbound_auth/username (and its password), or sends_auth = no');
  }
};

/** Options of objects the wizard will not make for this section. */
const noEffect: Check = (e, say) => {
  const hosts = (valueOf(e, 'remote_hosts') ?? '') !== '';
  const identify = !flag(e, 'accepts_registrations') && !flag(e, 'sends_line_with_registrations') && hosts;
  const registration = flag(e, 'sends_registrations') && hosts;
  for (const key of e.options.keys()) {
    if (key.startsWith('identify/') && !identify) {
      say(key, 'NO_EFFECT', `${key} does nothing here: the wizard makes an identify only with remote_hosts and without accepts_registrations`, 'remove it, or set remote_hosts and accepts_registrations = no');
    } else if (key.startsWith('registration/') && !registration) {
      say(key, 'NO_EFFECT', `${key} does nothing here: the wizard makes registrations only with sends_registrations = yes and remote_hosts`, 'remove it, or set sends_registrations and remote_hosts');
    } else if (key.startsWith('outbound_auth/') && !flag(e, 'sends_auth')) {
      say(key, 'NO_EFFECT', `${key} does nothing here: the wizard makes the outbound auth only with sends_auth = yes`, 'remove it, or set sends_auth = yes');
    }
  }
  if (flag(e, 'sends_registrations') && !hosts) {
    say(['remote_hosts', 'sends_registrations'], 'NO_EFFECT', 'sends_registrations = yes does nothing without remote_hosts', 'set remote_hosts to the registrar');
  }
};

/** res_pjsip_outbound_registration.c:sip_outbound_registration_apply: line and endpoint only together. */
const registrationLine: Check = (e, say) => {
  if (!flag(e, 'sends_registrations') || flag(e, 'sends_line_with_registrations')) return; // the wizard sets both then
  const line = flag(e, 'registration/line');
  const endpoint = (valueOf(e, 'registration/endpoint') ?? '') !== '';
  if (line !== endpoint) {
    say(['registration/line', 'registration/endpoint'], 'OPTION_CONFLICT', `registration/${line ? 'line = yes without registration/endpoint' : 'endpoint without registration/line = yes'}: Asterisk drops the registration`,
      'use sends_line_with_registrations = yes (the wizard sets both), or set both');
  }
};

const CHECKS: readonly Check[] = [sessionTimers, rtpPorts, dtlsCert, sendsAuth, registrationLine, noEffect];

export function optionRules({ site, extensions, templateOf, report }: RuleContext & { report: Report }): void {
  const reported = new Set<OptionInput>();
  for (const ext of extensions) {
    const t = templateOf.get(ext);
    if (!t) continue;
    const e = effectiveExtension(site, t, ext);
    // reported at the extension's own option when it wrote one of `keys`, else where the first was written
    const say = (keys: string | string[], code: 'OPTION_CONFLICT' | 'NO_EFFECT', message: string, hint?: string) => {
      const list = (Array.isArray(keys) ? keys : [keys]).map((k) => e.options.get(k)).filter((o): o is OptionInput => o !== undefined);
      const written = list.find((o) => o.keyAt.file === ext.file) ?? list[0];
      if (written && reported.has(written)) return; // a template's option: reported once
      if (written) reported.add(written);
      report(finding(code, code === 'NO_EFFECT' ? 'warning' : 'error', written?.keyAt ?? ext.numberAt,
        written && written.keyAt.file === ext.file ? message : `extension ${ext.number}: ${message}`, hint));
    };
    for (const check of CHECKS) check(e, say);
  }
}
