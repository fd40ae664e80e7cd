// Per-option value facts (schemas/pjsip-options-22-facts.json): how Asterisk 22.10.1 reads each
// wizard option's value, what a rejected value drops, and where in the source that was read.
import facts from '../schemas/pjsip-options-22-facts.json' with { type: 'json' };

export type FactKind =
  | 'bool' | 'uint' | 'double' | 'enum' | 'codecs' | 'string' | 'noop' | 'ignored'
  | 'tos' | 'acl-address' | 'acl-name' | 'group' | 'named-group' | 'set-var' | 'from-user' | 'media-address'
  | 'auth-list' | 'codec-prefs' | 'security-mechanisms' | 'contact-uri' | 'password-digest' | 'digest-algorithms'
  | 'identify-match' | 'match-header' | 'remote-hosts' | 'host-file' | 'host-reference' | 'uri-params';

export interface OptionFact {
  kind: FactKind;
  source: string;
  min?: number;
  max?: number;
  /** uint read by sscanf %u: a leading 0 is decimal, not octal */
  strict?: boolean;
  values?: string[];
  caseSensitive?: boolean;
  list?: boolean;
  /** the enum also takes every ast_true/ast_false spelling */
  bools?: boolean;
  /** an unknown value is ignored without an error (the default stays) */
  unknownIgnored?: boolean;
  maxLength?: number;
  noSpaces?: boolean;
  notEmpty?: boolean;
  params?: Record<string, string[]>;
  md5Only?: boolean;
  /** characters a URI-user grammar also takes here */
  extraChars?: string;
  overridden?: string;
  why?: string;
  what?: string;
}

const all = facts.options as unknown as Record<string, OptionFact>;
const drops = facts.drops as Record<string, string>;
const unknownName = facts.unknownName as Record<string, string>;

/** The facts of a catalog option by its full key (`endpoint/context`, `outbound_auth/realm`, `remote_hosts`). */
export function factOf(key: string): OptionFact | undefined {
  return all[key];
}

function prefixOf(key: string): string {
  const slash = key.indexOf('/');
  return slash === -1 ? '' : key.slice(0, slash + 1);
}

/** What a value the object's parser rejects takes with it. */
export function whatDrops(key: string): string {
  return drops[prefixOf(key)] ?? 'the object';
}

/** What Asterisk does with an option name it does not know, by prefix (observed on 22.10.1). */
export function unknownNameEffect(key: string): string {
  return unknownName[prefixOf(key)] ?? unknownName['']!;
}
