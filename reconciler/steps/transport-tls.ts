// The host half of the production checklist's "TLS/WSS": each tls/wss transport the file names is
// that protocol in Asterisk, and each tls transport's certificate is readable and not expired.
//
// What Asterisk 22 lets us see (res_pjsip/config_transport.c, main/http.c): `pjsip show transport
// <id>` prints the transport's own cert_file, which pjsip uses for protocol=tls. A ws/wss transport
// ignores cert_file ("TLS certificate values ignored for websocket transport as they are configured
// in http.conf"): wss is served by http.conf's TLS server, and no CLI command prints its tlscertfile
// (`http show status` only says whether HTTPS is enabled). So certificates are checked for tls
// transports; for wss only the protocol is, and http.conf's certificate is the host's to watch.
import { showTransport, type Outcome, type TransportInfo } from '../asterisk.js';
import { asteriskError, PassError, stalled, targetError } from '../errors.js';
import { checkCertificate, EXPIRY_WARNING_DAYS } from '../tls-certificate.js';
import type { PassRun } from './types.js';

const SECURE = new Set(['tls', 'wss']);

function answer<T>(o: Outcome<T>, command: string): T {
  if (!o.ok) throw asteriskError(o, `'${command}'`);
  return o.value;
}

/** Throws a stalled PassError when a secure transport is not secure on the host; pushes expiry warnings. */
export async function checkSecureTransports(pass: PassRun, needed: [string, { protocol: string }][], present: TransportInfo[]): Promise<void> {
  const onHost = new Map(present.map((t) => [t.name, t.protocol]));
  for (const [name, t] of needed) {
    if (!SECURE.has(t.protocol) || !onHost.has(name)) continue;
    if (onHost.get(name) !== t.protocol) {
      // site.yaml's promise of encryption is what the compiler's checks relied on
      throw stalled('TransportMissing', `site.yaml declares transport ${name} as ${t.protocol}, but Asterisk runs it as ${onHost.get(name)}: ` +
        `signaling would not be encrypted. Make it protocol=${t.protocol} in pjsip.conf (an Asterisk restart), or correct site.yaml`);
    }
    if (t.protocol === 'tls') await checkCertificateOf(pass, name);
  }
}

async function checkCertificateOf(pass: PassRun, name: string): Promise<void> {
  const { target, config } = pass.deps;
  const detail = answer(await showTransport(target, name, config.asterisk), `pjsip show transport ${name}`);
  if (!detail) throw stalled('TransportMissing', `Asterisk has no transport ${name} any more ('pjsip show transport ${name}')`);
  const refuse = (what: string) => stalled('TransportCertificateInvalid',
    `transport ${name}: ${what}; TLS clients would fail to connect. Renew the file at the same path (the next res_pjsip reload restarts the transport with it; a new cert_file path needs an Asterisk restart), then the next pass retries`);
  if (!detail.certFile) throw refuse('Asterisk reports no cert_file');
  let bytes: Buffer | null;
  try {
    bytes = await target.readFile(detail.certFile);
  } catch (err) {
    const e = err instanceof PassError ? err : targetError(err, `reading ${detail.certFile}`);
    if (e.kind === 'transient') throw e; // the host was not reached: say nothing about the file
    throw refuse(`certificate file ${detail.certFile} cannot be read (${e.message})`);
  }
  if (bytes === null) throw refuse(`certificate file ${detail.certFile} does not exist on the target`);
  const verdict = checkCertificate(bytes, pass.now());
  if (!verdict.ok) throw refuse(`certificate file ${detail.certFile} ${verdict.problem}`);
  if (verdict.daysLeft < EXPIRY_WARNING_DAYS) {
    pass.warnings.push(`transport ${name}: certificate ${detail.certFile} expires in ${verdict.daysLeft} days (${verdict.validTo.toISOString()})`);
  }
}
