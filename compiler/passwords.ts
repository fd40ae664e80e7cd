// Password policy. In dev a plaintext password is allowed with a warning; in production Git may hold
// no plaintext, and every resolved password (from the host's secrets) must be strong and unique.
import { createHash } from 'node:crypto';
import { finding, type Report } from './diagnostics.js';
import type { ExtensionInput, SiteInput } from './input.js';
import { UNRESOLVED_SECRET } from './types.js';

/** Defaults seen in runbooks, phone manuals and scanners' first guesses; compared ignoring case. */
const DEFAULT_PASSWORDS = new Set([
  'maja1234', '1234', '12345', '123456', '1234567', '12345678', '123456789', '1234567890', '0000', '1111',
  'password', 'password1', 'password123', 'passw0rd', 'secret', 'admin', 'admin123', 'changeme', 'asterisk',
  'default', 'qwerty', 'letmein', 'welcome', 'test', 'sip', 'voip', 'pbx', 'phone', 'smartx2025',
]);

export function fingerprint(extension: string, password: string): string {
  return createHash('sha256').update(`${extension}:${password}`).digest('hex');
}

export function checkPasswords(site: SiteInput, resolved: Map<ExtensionInput, string>, report: Report): void {
  const production = site.profile === 'production';
  const firstUse = new Map<string, ExtensionInput>();
  for (const [ext, password] of resolved) {
    if (ext.auth.kind === 'password') {
      report(finding('PLAINTEXT_PASSWORD', production ? 'error' : 'warning', ext.authAt,
        production ? `extension ${ext.number} has a plaintext password in Git; the production profile refuses it`
          : `extension ${ext.number} has a plaintext password (dev profile only)`,
        'use auth: { secret: NAME } or { encrypted: … } (pjsip-gitops secrets encrypt)'));
    }
    if (!production || password === UNRESOLVED_SECRET) continue;
    // messages name the extension, never the password
    if (DEFAULT_PASSWORDS.has(password.toLowerCase())) {
      report(finding('DEFAULT_PASSWORD', 'error', ext.authAt, `extension ${ext.number} uses a well-known default password`));
    } else if (password.length < site.minPasswordLength || classes(password) < 3 && password.length < 20) {
      report(finding('WEAK_PASSWORD', 'error', ext.authAt,
        `extension ${ext.number}'s password is too weak (at least ${site.minPasswordLength} characters from 3 of: lower, upper, digits, symbols; or 20+ characters)`));
    }
    if (password.includes(ext.number)) {
      report(finding('PASSWORD_CONTAINS_NUMBER', 'error', ext.authAt, `extension ${ext.number}'s password contains its own number`));
    }
    const other = firstUse.get(password);
    if (other) {
      report(finding('PASSWORD_REUSED', 'error', ext.authAt, `extension ${ext.number} has the same password as extension ${other.number}`));
    } else {
      firstUse.set(password, ext);
    }
  }
}

function classes(p: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length;
}
