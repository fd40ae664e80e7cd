// Is a certificate file one Asterisk's TLS transport can serve today? The first PEM certificate in
// the file (cert_file may hold the key too, or a chain), else the whole file as DER.
import { X509Certificate } from 'node:crypto';

export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

export type CertificateVerdict =
  | { ok: true; validTo: Date; daysLeft: number }
  | { ok: false; problem: string };

export function checkCertificate(bytes: Buffer, now: Date): CertificateVerdict {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(bytes.toString('latin1'));
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem ? Buffer.from(pem[0], 'latin1') : bytes);
  } catch {
    return { ok: false, problem: 'holds no readable X.509 certificate' };
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  if (Number.isNaN(validTo.getTime())) return { ok: false, problem: `has an unreadable expiry date (${cert.validTo})` };
  if (validTo.getTime() <= now.getTime()) return { ok: false, problem: `expired on ${validTo.toISOString()}` };
  if (validFrom.getTime() > now.getTime()) return { ok: false, problem: `is not valid before ${validFrom.toISOString()}` };
  return { ok: true, validTo, daysLeft: Math.floor((validTo.getTime() - now.getTime()) / DAY_MS) };
}
