// The production profile's transport and media rules (the runbook's "TLS/WSS for production"): a
// browser on an https page refuses a ws:// socket, and udp/tcp carry SIP (and SDES keys) in the clear.
// The dev profile is untouched: every rule here returns at once unless `profile: production`.
import { finding } from './diagnostics.js';
import { effectiveExtension, effectiveTemplate, flag, valueOf, type Effective } from './effective.js';
import type { Loc } from './input.js';
import type { Rule, RuleContext } from './rule.js';

const CLEARTEXT_PROTOCOLS = new Set(['udp', 'tcp']);

/** The declared protocol of a set's transport; undefined when it has none or an undeclared one (UNKNOWN_TRANSPORT). */
function protocolOf(ctx: RuleContext, e: Effective): string | undefined {
  return e.transport ? ctx.site.transports.get(e.transport.name)?.protocol : undefined;
}

/** A webrtc template on ws: the browser's https page may not open ws:// (mixed content), so it never registers. */
export const webrtcNeedsWss: Rule = (ctx) => {
  if (ctx.site.profile !== 'production') return;
  for (const t of ctx.site.templates) {
    const e = effectiveTemplate(ctx.site, t);
    if (!flag(e, 'endpoint/webrtc') || protocolOf(ctx, e) !== 'ws') continue;
    ctx.report(finding('WEBRTC_NOT_WSS', 'error', e.transport!.at,
      `template '${t.name}' is WebRTC on ws transport '${e.transport!.name}': a browser on an https page refuses ws:// (mixed content), and SIP goes in the clear`,
      'add a pjsip.conf transport with protocol=wss (served by the TLS server of http.conf: tlsenable, tlsbindaddr, tlscertfile), declare it under transports: with protocol: wss and name it here'));
  }
};

/** SIP over udp/tcp: credentials' digests, numbers, and any SDES media keys readable on the wire. */
export const cleartextSignaling: Rule = (ctx) => {
  if (ctx.site.profile !== 'production') return;
  const reported = new Set<Loc>();
  for (const t of ctx.site.templates) {
    const e = effectiveTemplate(ctx.site, t);
    const protocol = protocolOf(ctx, e);
    if (!protocol || !CLEARTEXT_PROTOCOLS.has(protocol) || reported.has(e.transport!.at)) continue;
    reported.add(e.transport!.at);
    ctx.report(finding('CLEARTEXT_SIGNALING', 'warning', e.transport!.at,
      `template '${t.name}' signals over ${protocol} transport '${e.transport!.name}': SIP is readable on the wire`,
      'use a tls transport (pjsip.conf protocol=tls with cert_file and priv_key_file); SDES media keys need it too'));
  }
};

// webrtc = yes makes Asterisk use dtls whatever media_encryption says (pjsip_configuration.c apply handler)
const cleartextMediaIn = (e: Effective) => !flag(e, 'endpoint/webrtc') && valueOf(e, 'endpoint/media_encryption')?.toLowerCase() === 'no';

/** RTP without SRTP: `media_encryption = no`, written or Asterisk's default. */
export const cleartextMedia: Rule = (ctx) => {
  if (ctx.site.profile !== 'production') return;
  const reported = new Set<Loc>();
  const report = (label: string, at: Loc, written: boolean) => {
    if (reported.has(at)) return;
    reported.add(at);
    ctx.report(finding('CLEARTEXT_MEDIA', 'warning', at,
      `${label} sends media unencrypted (endpoint/media_encryption = no${written ? '' : ', Asterisk\'s default'})`,
      'set endpoint/media_encryption: sdes (with a tls transport) or dtls'));
  };
  for (const t of ctx.site.templates) {
    const e = effectiveTemplate(ctx.site, t);
    if (!cleartextMediaIn(e)) continue;
    const written = e.options.get('endpoint/media_encryption');
    report(`template '${t.name}'`, written?.valueAt ?? t.nameAt, written !== undefined);
  }
  // an extension's own `no` undoes its template's encryption: reported at that line
  for (const ext of ctx.extensions) {
    const t = ctx.templateOf.get(ext);
    const own = ext.options.find((o) => o.key === 'endpoint/media_encryption');
    if (!t || !own || cleartextMediaIn(effectiveTemplate(ctx.site, t))) continue;
    if (cleartextMediaIn(effectiveExtension(ctx.site, t, ext))) report(`extension ${ext.number}`, own.valueAt, true);
  }
};

export const PRODUCTION_RULES: readonly Rule[] = [webrtcNeedsWss, cleartextSignaling, cleartextMedia];
