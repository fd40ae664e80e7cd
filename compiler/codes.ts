// Every diagnostic code the tool reports, in one typed registry: the compiler's, the wizard-file
// reader's (CONF_*), the import's (IMPORT_*) and the reconciler config's (CONFIG_*). Codes are part of
// the interface (CI scripts grep them): never rename one, only add. README's table is checked against it.
/** How bad a diagnostic is. Lives here (not in types.ts) so the two modules don't import each other. */
export type Severity = 'error' | 'warning';

export type CodeSource = 'compile' | 'conf' | 'import' | 'config';

/** 'error or warning': the severity depends on the profile or the option (PLAINTEXT_PASSWORD, EMPTY_VALUE). */
export type CodeSeverity = Severity | 'error or warning';

export interface CodeInfo<S extends CodeSeverity = CodeSeverity, O extends CodeSource = CodeSource> {
  severity: S;
  /** one line: what the code means */
  meaning: string;
  source: O;
}

// one maker per source, so each entry reads `source.severity('meaning')`
function maker<O extends CodeSource>(source: O) {
  return {
    error: (meaning: string): CodeInfo<'error', O> => ({ severity: 'error', meaning, source }),
    warning: (meaning: string): CodeInfo<'warning', O> => ({ severity: 'warning', meaning, source }),
    either: (meaning: string): CodeInfo<'error or warning', O> => ({ severity: 'error or warning', meaning, source }),
  };
}
const compile = maker('compile');
const conf = maker('conf');
const imp = maker('import');
const config = maker('config');

export const CODES = {
  // reading the files
  YAML_SYNTAX: compile.error('the file is not valid YAML'),
  DUPLICATE_KEY: compile.error('a key appears twice in one mapping'),
  ALIAS_LIMIT: compile.error('too many YAML aliases (a billion-laughs style expansion)'),
  MISSING_SITE: compile.error('extensions/site.yaml is missing'),
  NOT_A_MAPPING: compile.error('the file must be a YAML mapping'),
  // JSON Schema (schemas/*.schema.json)
  SCHEMA_TYPE: compile.error('a value has the wrong type'),
  SCHEMA_REQUIRED: compile.error('a required key is missing'),
  SCHEMA_UNKNOWN_KEY: compile.error('a key the schema does not know'),
  SCHEMA_ENUM: compile.error('a value outside the allowed set'),
  SCHEMA_PATTERN: compile.error('a value does not have the required form'),
  SCHEMA_RANGE: compile.error('a number outside its allowed range'),
  SCHEMA_SIZE: compile.error('too short, too long, too few or too many items'),
  SCHEMA_INVALID: compile.error('the schema rejects this value'),
  // the Asterisk option catalog (schemas/pjsip-options-22.json)
  UNKNOWN_OPTION: compile.error('Asterisk 22 has no such wizard option: the object of its prefix is dropped, or the option is silently ignored'),
  BAD_VALUE: compile.error('a value Asterisk rejects or silently ignores'),
  BAD_BOOLEAN: compile.error('a boolean spelling Asterisk would silently read as false'),
  BAD_NUMBER: compile.error('not a number Asterisk accepts for this option'),
  BAD_CODEC: compile.error('not a codec Asterisk knows'),
  DEPRECATED_OPTION: compile.warning('an option Asterisk 22 marks deprecated'),
  IGNORED_OPTION: compile.warning('an option Asterisk accepts and ignores'),
  OVERRIDDEN_OPTION: compile.warning('the wizard sets this option itself; the written value has no effect'),
  RESERVED_OPTION: compile.error('this option is written from a field of its own'),
  EMPTY_VALUE: compile.either('an option with no value'),
  OPTION_NAME_CASE: compile.error('an option name not written as the catalog spells it (Asterisk matches names ignoring case, prefixes not)'),
  LEADING_ZERO: compile.warning('a number with a leading zero: Asterisk reads it as octal'),
  VALUE_TRUNCATED: compile.error('a value longer than the buffer Asterisk copies it into: it is cut silently'),
  HOST_REFERENCE: compile.warning('a file or profile on the PBX host: Asterisk drops the object when it is missing'),
  NO_EFFECT: compile.warning('an option that does nothing in this section (its object is not made)'),
  OPTION_CONFLICT: compile.error('options that Asterisk refuses together (a rule across options)'),
  // rules across files
  DUPLICATE_EXTENSION: compile.error('two files define the same extension number'),
  FILE_NAME_MISMATCH: compile.error("the file name is not the extension's number"),
  OUT_OF_RANGE: compile.error('the extension number is in no range of site.yaml'),
  TEMPLATE_NOT_ALLOWED: compile.error('the range does not allow this template'),
  UNKNOWN_TEMPLATE: compile.error('no such template in site.yaml'),
  RANGE_OVERLAP: compile.error('two ranges share numbers'),
  RANGE_ORDER: compile.error('a range ends before it starts'),
  MAX_CONTACTS_ZERO: compile.error('a registering phone with aor/max_contacts 0 gets 403 on REGISTER'),
  REGISTRATION_WITHOUT_AUTH: compile.error('accepts_registrations without accepts_auth: anyone could register as the extension'),
  UNKNOWN_TRANSPORT: compile.error('a transport not declared in site.yaml'),
  WEBRTC_TRANSPORT: compile.error('a WebRTC template without a WebSocket transport: every call to it fails'),
  NON_WEBRTC_WS_TRANSPORT: compile.error('a non-WebRTC template on a WebSocket transport'),
  OPUS_NO_PATH: compile.warning('Opus preferred where a reachable template has no Opus: calls between them drop'),
  // the production profile: encrypted transports and media
  WEBRTC_NOT_WSS: compile.error('a WebRTC template on a ws transport in production: browsers on https refuse ws://'),
  CLEARTEXT_SIGNALING: compile.warning('SIP over udp or tcp in production: signaling is readable on the wire'),
  CLEARTEXT_MEDIA: compile.warning('media_encryption = no in production: RTP is readable on the wire'),
  // passwords
  PLAINTEXT_PASSWORD: compile.either('a plaintext password in Git'),
  WEAK_PASSWORD: compile.error('a password shorter or simpler than the policy allows'),
  DEFAULT_PASSWORD: compile.error('a well-known default password'),
  PASSWORD_CONTAINS_NUMBER: compile.error('the password contains the extension number'),
  PASSWORD_REUSED: compile.error('the same password on more than one extension'),
  // what reaches pjsip_wizard.conf
  CONTROL_CHARACTER: compile.error('a control character (CR, LF, NUL, …) in a value could start a new config line'),
  VALUE_WHITESPACE: compile.error('leading or trailing spaces are trimmed by Asterisk'),
  LINE_TOO_LONG: compile.error('a config line over 8,190 bytes is dropped whole by Asterisk'),
  BAD_SECTION_NAME: compile.error('a section name Asterisk would cut or misread'),
  SECTION_NAME_CLASH: compile.error('two sections with the same name ignoring case'),
  BAD_CALLERID_NAME: compile.error('a character that breaks the callerid "name" <number> form'),
  // reading a hand-made pjsip_wizard.conf as Asterisk's main/config.c does (import)
  CONF_NO_SECTION: conf.error('an option before any [section]: Asterisk rejects the whole file'),
  CONF_UNCLOSED_SECTION: conf.error("a section header without ']': Asterisk rejects the whole file"),
  CONF_UNKNOWN_TEMPLATE: conf.error('a section inherits a template no earlier section defines: Asterisk rejects the whole file'),
  CONF_NO_EQUALS: conf.warning("a line without '=': Asterisk ignores it"),
  CONF_STRAY_BLOCK_END: conf.warning("a '--;' with no open ';--': Asterisk ignores every later line"),
  CONF_UNCLOSED_BLOCK: conf.warning("a ';--' block comment never closed: the rest of the file is a comment"),
  CONF_DIRECTIVE: conf.warning('an #include or #exec: not followed, so its sections are not read'),
  CONF_LONG_NAME: conf.warning('a section name over 79 bytes: Asterisk cuts it'),
  CONF_DUPLICATE_SECTION: conf.warning('a section defined twice: only the first is imported'),
  // import: what cannot be carried over as written
  IMPORT_NOT_WIZARD: imp.warning('a section without type = wizard: the wizard ignores it, and so does the import'),
  IMPORT_SECTION_NAME: imp.error('a wizard section not named by an extension number'),
  IMPORT_NAME: imp.error('a callerid name that cannot be kept (" < > \\ or over 80 characters)'),
  IMPORT_USERNAME: imp.warning('an auth user name other than the number: the import uses the number'),
  IMPORT_NO_PASSWORD: imp.warning('a placeholder where the password belongs: the host generates one'),
  IMPORT_NO_CODECS: imp.error('a section that ends with no codec allowed'),
  IMPORT_EMPTY: imp.error('no wizard section (type = wizard) to import'),
  IMPORT_NOT_VERIFIED: imp.warning('the imported files do not compile yet: the round trip was not checked'),
  IMPORT_MISMATCH: imp.error('an extension would not compile back to the same effective options'),
  IMPORT_REALTIME_ROW: imp.error('a realtime row the wizard cannot make (an endpoint with another aor or auth, an aor or auth no endpoint uses)'),
  // the reconciler's config file (its YAML and schema problems use the compile codes above)
  CONFIG_UNREADABLE: config.error('the reconciler config file cannot be read'),
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/** The codes one source reports, e.g. `CodeOf<'conf'>` for CONF_*. */
export type CodeOf<O extends CodeSource> = { [C in Code]: (typeof CODES)[C]['source'] extends O ? C : never }[Code];

/** The severities a code may be reported with: a typo'd severity is a type error too. */
export type SeverityOf<C extends Code> = C extends Code
  ? (typeof CODES)[C]['severity'] extends Severity ? (typeof CODES)[C]['severity'] : Severity
  : never;
