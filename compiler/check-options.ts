// Stage 3 applied to inputs: each raw option of defaults, templates and extensions against the catalog.
import { allOptionKeys, checkValue, lookupOption } from './catalog.js';
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

export function checkOptions(options: readonly OptionInput[], report: Report): void {
  for (const o of options) {
    const reserved = RESERVED_OPTIONS[o.key];
    if (reserved) {
      report(finding('RESERVED_OPTION', 'error', o.keyAt, `${o.key} is not set in options:`, reserved));
      continue;
    }
    const info = lookupOption(o.key);
    if (!info) {
      const guess = closest(o.key, allOptionKeys());
      report(finding('UNKNOWN_OPTION', 'error', o.keyAt,
        `unknown wizard option '${o.key}': Asterisk 22 would drop this endpoint at reload`,
        guess ? `did you mean '${guess}'?` : 'options are endpoint/…, aor/…, inbound_auth/…, or the wizard\'s own'));
      continue;
    }
    if (info.deprecated) {
      report(finding('DEPRECATED_OPTION', 'warning', o.keyAt, `${o.key} is deprecated in Asterisk 22`));
    }
    if (info.option?.type === 'noop') {
      report(finding('IGNORED_OPTION', 'warning', o.keyAt, `${o.key} is accepted and ignored by Asterisk`, 'remove it'));
      continue;
    }
    if (o.value === '') {
      report(finding('EMPTY_VALUE', 'warning', o.valueAt, `${o.key} has no value`, 'give a value or remove the option'));
      continue;
    }
    const problem = checkValue(o.key, info, o.value);
    if (problem) report(finding(problem.code, 'error', o.valueAt, problem.message, problem.hint));
  }
}
