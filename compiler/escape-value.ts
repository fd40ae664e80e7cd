// How a value is written into pjsip_wizard.conf: used by emit.ts to write it and by secrets-policy.ts
// to know every form a secret can take in the file, kept apart so secrets-policy.ts needn't import emit.ts.

export function escapeValue(value: string): string {
  // `;` starts a comment (and `;--`/`--;` block comments) unless written `\;`
  return value.replace(/;/g, '\\;');
}
