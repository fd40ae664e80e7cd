// The files `pjsip-gitops init` writes into a new extensions repository. Kept apart from the command
// so the texts read as the files they become.

export type Profile = 'dev' | 'production';

/** Where the pinned devDependency puts the schemas, seen from extensions/. */
export const SCHEMA_DIR = '../node_modules/pjsip-gitops/schemas';

const DEFAULTS = `defaults:
  description: what every extension gets (runbook section 3)
  codecs: [g722, ulaw, alaw]
  options:
    accepts_auth: yes             # the wizard creates <number>-iauth and requires it
    accepts_registrations: yes
    endpoint/context: internal
    aor/max_contacts: 5           # Asterisk's default 0 refuses every REGISTER with 403
`;

const RANGES = `ranges:
  - { from: 6000, to: 6009, templates: [webrtc], description: browser turrets }
  - { from: 6010, to: 6023, templates: [softphone], description: softphones }
  - { from: 7000, templates: [custom, softphone, webrtc], description: special cases }
`;

const GUARDS = `# What the reconciler refuses to apply in one pass (plan predicts it; the host config may only tighten it)
guards:
  maxDeletions: 5
  allowEmpty: false
`;

export function siteYaml(profile: Profile): string {
  const head = `# yaml-language-server: $schema=${SCHEMA_DIR}/site.schema.json
# Site policy for the PBX: what every extension gets, the templates, and which numbers use which.
`;
  if (profile === 'dev') {
    return `${head}profile: dev   # plaintext passwords allowed (with a warning): a lab PBX, never production

# Transports are defined in pjsip.conf; declare the ones templates use, with their protocol.
transports:
  transport-udp: { protocol: udp, port: 5060 }
  transport-ws: { protocol: ws, port: 8089 }

${GUARDS}
${DEFAULTS}
templates:
  webrtc:
    description: browser turret (JsSIP over WebSocket), 6000–6009
    transport: transport-ws
    codecs: [g722, ulaw, alaw, opus]   # Opus last: Asterisk cannot transcode it for softphones
    options:
      endpoint/webrtc: yes
      endpoint/dtls_auto_generate_cert: yes
      endpoint/media_encryption_optimistic: yes
  softphone:
    description: Zoiper / Phoner over UDP, 6010–6023
    transport: transport-udp
    options:
      endpoint/webrtc: no
      endpoint/media_encryption: no
      endpoint/rtp_symmetric: yes
      endpoint/force_rport: yes
      endpoint/rewrite_contact: yes
  custom:
    description: special cases, 7000+; set what you need under each extension's options
    transport: transport-udp

${RANGES}`;
  }
  return `${head}profile: production   # no plaintext or weak passwords; auth: { secret } or { encrypted }

# Transports are defined in pjsip.conf; declare the ones templates use, with their protocol. Browsers
# on an https page need wss (http.conf's TLS server); softphones use tls with SRTP (sdes).
transports:
  transport-wss: { protocol: wss, port: 8089 }
  transport-tls: { protocol: tls, port: 5061 }

# age_recipients:   # the PBX host's age public key (pjsip-gitops secrets recipient), for { encrypted }
#   - age1...

${GUARDS}
${DEFAULTS}
templates:
  webrtc:
    description: browser turret (JsSIP over secure WebSocket), 6000–6009
    transport: transport-wss
    codecs: [g722, ulaw, alaw, opus]   # Opus last: Asterisk cannot transcode it for softphones
    options:
      endpoint/webrtc: yes            # dtls media encryption, ICE, AVPF, rtcp-mux
      endpoint/dtls_auto_generate_cert: yes
  softphone:
    description: Zoiper / Phoner over TLS with SRTP, 6010–6023
    transport: transport-tls
    options:
      endpoint/webrtc: no
      endpoint/media_encryption: sdes
      endpoint/rtp_symmetric: yes
      endpoint/force_rport: yes
      endpoint/rewrite_contact: yes
  custom:
    description: special cases, 7000+; set what you need under each extension's options
    transport: transport-tls
    options:
      endpoint/media_encryption: sdes

${RANGES}`;
}

export function packageJson(name: string, toolSpec: string): string {
  return JSON.stringify({
    name,
    private: true,
    description: 'The PBX extensions: YAML files compiled to pjsip_wizard.conf by pjsip-gitops',
    scripts: {
      validate: 'pjsip-gitops validate',
      plan: 'pjsip-gitops plan --base origin/main',
    },
    devDependencies: { 'pjsip-gitops': toolSpec },
  }, null, 2) + '\n';
}

export const PRE_COMMIT = `# pre-commit (https://pre-commit.com): validate the extensions before each commit, with the
# pjsip-gitops this repository pins (npm ci first). Install the hook: pre-commit install
repos:
  - repo: local
    hooks:
      - id: pjsip-gitops-validate
        name: pjsip-gitops validate
        language: system
        entry: npx --no-install pjsip-gitops validate
        files: ^extensions/.*\\.ya?ml$
        pass_filenames: false
`;

export const WORKFLOW = `# On every pull request: annotate problems on the changed lines, then post (or update) one comment
# with what the change does to pjsip_wizard.conf — or the errors, when it does not compile.
# The action is the one of the pjsip-gitops version package.json pins (node_modules/pjsip-gitops).
name: pjsip-gitops

on:
  pull_request:
    paths: ['extensions/**', 'package.json', 'package-lock.json', '.github/workflows/pjsip-gitops.yml']

permissions:
  contents: read
  pull-requests: write

concurrency:
  group: pjsip-gitops-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  plan:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # plan reads the base revision from git objects
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - uses: ./node_modules/pjsip-gitops
        with:
          extensions: extensions
`;

export const GITIGNORE = `node_modules/
*.tgz
# compiled files and secrets never belong here: the PBX host compiles and keeps the passwords
pjsip_wizard.conf
*secrets*.yaml
`;

export function readme(profile: Profile): string {
  return `# PBX extensions

The extensions (SIP accounts) of our Asterisk PBX, one YAML file each under \`extensions/\`, with the
site policy in \`extensions/site.yaml\` (profile: ${profile}). The PBX host's reconciler applies \`main\`.
The tool is pjsip-gitops, pinned in \`package.json\`.

\`\`\`sh
npm ci                                                   # the pinned pjsip-gitops
npx pjsip-gitops new 6010 --name "Reception"             # writes extensions/6010.yaml
npx pjsip-gitops validate                                # every problem, file:line:col CODE message
npx pjsip-gitops plan --base origin/main                 # what changes in pjsip_wizard.conf
pre-commit install                                       # optional: validate before each commit
\`\`\`

Every change is a pull request. CI (\`.github/workflows/pjsip-gitops.yml\`) annotates problems on
its lines and keeps one comment up to date with the plan — or the errors, when it does not compile.
The plan also says when the host's guards will refuse a change (\`guards:\` in site.yaml).
Passwords never live here${profile === 'production' ? '' : ' in production'}: \`auth: { secret: NAME }\` is resolved on the PBX host.
`;
}
