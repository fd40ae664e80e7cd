// Stage 3 applied to inputs: each raw option of defaults, templates and extensions against the catalog.
import { allOptionKeys, checkValue, lookupOption } from './catalog.js';
import { factOf, unknownNameEffect, whatDrops } from './option-facts.js';
import { closest, finding, type Report } from './diagnostics.js';
import type { OptionInput } from './input.js';

/** Options the compiler writes from fields of their own; writing them raw would fight those fields. */
export const RESERVED_OPTIONS: Record<string, string> = {
  type: 'every extension section is written with type = wizard',
  transport: "use the template's `transport:` field",
  'endpoint/allow': 'use `codecs:` (written as endpoint/disallow = all, then endpoint/allow)',
  'endpoint/disallow': 'use `codecs:` (written as endpoint/disallow = all, then endpoint/allow)',
  'endpoint/callerid': 'use the extension\'s `name:` (written as "name" <number>)',
  'inbound_auth/username': 'the username is the extension number',
  'inbound_auth/password': 'use `auth:` ({ secret }, { encrypted } or, in dev, { password })',
};

let byLowerCase: Map<string, string> | undefined;
/** The catalog's option written `lower` ignoring case (the first of the catalog's order). */
function keyIgnoringCase(lower: string): string | undefined {
  if (!byLowerCase) {
    byLowerCase = new Map();
    for (const k of allOptionKeys()) if (!byLowerCase.has(k.toLowerCase())) byLowerCase.set(k.toLowerCase(), k);
  }
  return byLowerCase.get(lower);
}

export function checkOptions(options: readonly OptionInput[], report: Report): void {
  for (const o of options) {
    const reserved = RESERVED_OPTIONS[o.key];
    if (reserved) {
      report(finding('RESERVED_OPTION', 'error', o.keyAt, `${o.key} is not set in options:`, reserved));
      continue;
    }
    const lower = o.key.toLowerCase();
    const info = lookupOption(o.key) ?? (lower !== o.key ? null : null);
    if (!info) {
      const sameIgnoringCase = keyIgnoringCase(lower);
      if (sameIgnoringCase) {
        const prefixCase = o.key.includes('/') && o.key.slice(0, o.key.indexOf('/')) !== sameIgnoringCase.slice(0, sameIgnoringCase.indexOf('/'));
        report(finding('OPTION_NAME_CASE', 'error', o.keyAt,
          prefixCase
            ? `'${o.key}': the wizard matches prefixes case-sensitively, so Asterisk silently ignores this option`
            : `'${o.key}': Asterisk matches option names ignoring case, so two spellings could set the same option`,
          `write '${sameIgnoringCase}'`));
        continue;
      }
      const key = o.key;
      report(finding('UNKNOWN_OPTION', 'error', o.keyAt,
        `unknown wizard option '${key}': Asterisk 22 has no such option — ${unknownNameEffect(key)}`,
        () => {
          const guess = closest(key, allOptionKeys());
          return guess ? `did you mean '${guess}'?` : 'options are endpoint/…, aor/…, inbound_auth/…, outbound_auth/…, identify/…, registration/…, or the wizard\'s own';
        }));
      continue;
    }
    const fact = factOf(o.key);
    if (info.deprecated) {
      report(finding('DEPRECATED_OPTION', 'warning', o.keyAt, `${o.key} is deprecated in Asterisk 22`));
    }
    if (info.option?.type === 'noop' || fact?.kind === 'ignored') {
      report(finding('IGNORED_OPTION', 'warning', o.keyAt, `${o.key} is accepted and ignored by Asterisk${fact?.why ? `: ${fact.why}` : ''}`, 'remove it'));
      continue;
    }
    if (fact?.overridden) {
      report(finding('OVERRIDDEN_OPTION', 'warning', o.keyAt, `${o.key} has no effect`, fact.overridden));
      continue;
    }
    if (o.value === '') {
      const kind = fact?.kind ?? 'string';
      if (kind === 'string' && !fact?.notEmpty) {
        report(finding('EMPTY_VALUE', 'warning', o.valueAt, `${o.key} has no value`, 'give a value or remove the option'));
      } else {
        report(finding('EMPTY_VALUE', 'error', o.valueAt,
          kind === 'bool' ? `${o.key} has no value: Asterisk reads it as 'no', whatever the default`
            : `${o.key} has no value: Asterisk ${kind === 'string' ? 'replaces it with its default or refuses it' : `drops ${whatDrops(o.key)} or keeps its default`}`,
          kind === 'bool' ? 'write no (or yes), or remove the option' : 'give a value or remove the option'));
      }
      continue;
    }
    if (fact?.kind === 'host-file' || fact?.kind === 'host-reference') {
      if (fact.kind === 'host-file' && !o.value.startsWith('/')) {
        report(finding('BAD_VALUE', 'error', o.valueAt, `${o.key} = ${o.value}: a file is named by its absolute path on the PBX host`, 'write /etc/asterisk/keys/…'));
        continue;
      }
      report(finding('HOST_REFERENCE', 'warning', o.valueAt,
        fact.kind === 'host-file'
          ? `${o.key} = ${o.value}: Asterisk drops ${whatDrops(o.key)} unless this file exists and is readable on the PBX host`
          : `${o.key} = ${o.value}: Asterisk drops ${whatDrops(o.key)} unless this names ${fact.what ?? 'something configured'} on the PBX host`,
        'the compiler cannot see the host; check it there'));
      continue;
    }
    const problem = checkValue(o.key, info, o.value);
    if (problem) report(finding(problem.code, problem.severity ?? 'error', o.valueAt, problem.message, problem.hint));
  }
}
