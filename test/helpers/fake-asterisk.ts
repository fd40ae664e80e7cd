// Sets up one fake Asterisk in its own temp folder: a tiny `asterisk` wrapper script that points the
// fake at that folder, so callers run `[bin, '-rx', cmd]` with no environment. Several can coexist.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// next to this file under test/, or from a build under dist/test/helpers/ (the .mjs is not copied)
export const FAKE_ASTERISK_SCRIPT = [
  '../fake-asterisk/asterisk.mjs',
  '../../../test/fake-asterisk/asterisk.mjs',
].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((p) => existsSync(p)) ??
  fileURLToPath(new URL('../fake-asterisk/asterisk.mjs', import.meta.url));

export interface FakeAsteriskMode {
  /** the pjsip_wizard.conf a reload reads */
  confPath: string;
  /** `Unable to connect to remote asterisk …` on stderr, exit 1 */
  down: boolean;
  /** never answers until killed */
  hang: boolean;
  /** reloads answer `Asterisk cannot reload a module yet; request queued` */
  booting: boolean;
  /** reloads answer `A module reload request is already in progress; please be patient` */
  reloadInProgress: boolean;
  /** a wizard reload answers this long after it applied the file (a large PBX's reload takes seconds) */
  reloadDelayMs: number;
  /** the delays of the wizard reloads from the next one on, one each (then `reloadDelayMs`): a slow reload, then a quick rollback */
  reloadDelaysMs: number[];
  /**
   * as `asterisk -rx`'s 60 s poll: a command with no output for this long exits 0 silently while Asterisk
   * goes on. A wizard reload slower than this returns silent and ends on its own later; meanwhile another
   * reload answers `already in progress` (nothing queued), `module show like` waits for its end (or gives
   * up silent the same way), the rest answers at once with the objects of before
   */
  cliSilenceMs: number;
  /** wizard sections whose endpoint fails to apply even when valid */
  dropSections: string[];
  /** objects whose apply fails although their text is good (a half-load: `{ type: 'aor', id: '7000' }`, `{ type: 'auth', id: '7000-iauth' }`) */
  dropObjects: { type: 'aor' | 'auth' | 'identify' | 'registration'; id: string }[];
  /** named ACLs of acl.conf for `acl show` (absent: no acl.conf, "ACL configuration isn't available.") */
  acls: string[];
  /** geolocation.conf profiles for `geoloc list profiles` besides the built-in four; null: res_geolocation not loaded */
  geolocProfiles: string[] | null;
  /** listed by `pjsip show transports` (default transport-udp/udp and transport-ws/ws) */
  transports: { name: string; protocol: string; bind?: string; certFile?: string; privKeyFile?: string; password?: string }[];
  /** rows of `core show translation` (default: an open-source build's set, without opus) */
  translatableCodecs: string[];
  /** keep a section's previous object when its new text fails to apply, as a real 22.10.1 does (default: true; false removes it) */
  keepOldObjectOnFailure: boolean;
  /** res_config_sqlite3 reading `database`, with the tables extconfig maps and the object types sorcery reads from them (default: all) */
  realtime: { database: string; module?: boolean; extconfig?: string[]; sorcery?: ('endpoint' | 'aor' | 'auth')[] } | null;
  /** registered contacts, listed while their aor is loaded (status default NonQual: qualify off) */
  contacts: { aor: string; uri: string; status?: 'Avail' | 'Unavail' | 'NonQual' | 'Unknown'; rttMs?: number; userAgent?: string }[];
}

export interface LoadedObjects {
  endpoints: string[];
  aors: string[];
  auths: string[];
  /** endpoint id → callerid number ('' when none) */
  callerids: Record<string, string>;
  /** aor id → max_contacts as written ('0' when not set) */
  maxContacts: Record<string, string>;
  /** id → the object's fields, for a closer look */
  objects: Record<string, Record<string, { section: string; fields: Record<string, string> }>>;
  /** wizard sections the fake has seen (lower-cased name → name) */
  lastSeen: Record<string, string>;
}

export interface FakeAsterisk {
  home: string;
  /** the wrapper script: `<home>/asterisk` */
  bin: string;
  argv(command: string): string[];
  /** `[bin, '-rx', 'module reload res_pjsip.so']` */
  reloadArgv: string[];
  setMode(partial: Partial<FakeAsteriskMode>): void;
  mode(): Partial<FakeAsteriskMode>;
  loaded(): Promise<LoadedObjects>;
  /** every command received, oldest first */
  commands(): Promise<string[]>;
  /** how many `module reload …` commands were received */
  reloadCount(): Promise<number>;
  /** what the real one would have logged */
  log(): Promise<string>;
  /** forget everything loaded, as an Asterisk restart does (the next reload applies every section) */
  restart(): void;
  cleanup(): void;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A new fake in a temp folder, or in `where.home` (created if needed, its state kept: a demo uses
 * that to keep what was loaded between runs; `opts` then update its earlier mode).
 */
export function createFakeAsterisk(opts: Partial<FakeAsteriskMode> = {}, where: { home?: string } = {}): FakeAsterisk {
  const home = where.home ?? mkdtempSync(join(tmpdir(), 'fake-asterisk-'));
  mkdirSync(home, { recursive: true });
  const bin = join(home, 'asterisk');
  writeFileSync(
    bin,
    `#!/bin/sh\nFAKE_ASTERISK_HOME=${shQuote(home)}\nexport FAKE_ASTERISK_HOME\n` +
      `exec ${shQuote(process.execPath)} ${shQuote(FAKE_ASTERISK_SCRIPT)} "$@"\n`,
  );
  chmodSync(bin, 0o755);
  const configPath = join(home, 'config.json');
  const earlier = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Partial<FakeAsteriskMode>) : {};
  const mode: Partial<FakeAsteriskMode> = { confPath: join(home, 'pjsip_wizard.conf'), ...earlier, ...opts };
  const save = () => writeFileSync(configPath, JSON.stringify(mode, null, 1));
  save();

  const readLines = async (name: string): Promise<string[]> => {
    try {
      return (await readFile(join(home, name), 'utf8')).split('\n').filter(Boolean);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  };

  return {
    home,
    bin,
    argv: (command) => [bin, '-rx', command],
    reloadArgv: [bin, '-rx', 'module reload res_pjsip.so'],
    setMode(partial) {
      Object.assign(mode, partial);
      save();
    },
    mode: () => ({ ...mode }),
    async loaded() {
      const path = join(home, 'loaded.json');
      const state = existsSync(path)
        ? (JSON.parse(await readFile(path, 'utf8')) as {
            objects: LoadedObjects['objects'];
            lastSeen: Record<string, { name: string }>;
          })
        : { objects: { endpoint: {}, aor: {}, auth: {} }, lastSeen: {} };
      const ids = (type: string) => Object.keys(state.objects[type] ?? {}).sort();
      const callerids: Record<string, string> = {};
      for (const [id, o] of Object.entries(state.objects.endpoint ?? {})) {
        const m = /<([^>]*)>/.exec(o.fields.callerid ?? '');
        callerids[id] = m ? (m[1] ?? '').trim() : '';
      }
      const maxContacts: Record<string, string> = {};
      for (const [id, o] of Object.entries(state.objects.aor ?? {})) maxContacts[id] = o.fields.max_contacts ?? '0';
      return {
        endpoints: ids('endpoint'),
        aors: ids('aor'),
        auths: ids('auth'),
        callerids,
        maxContacts,
        objects: state.objects,
        lastSeen: Object.fromEntries(Object.entries(state.lastSeen).map(([k, v]) => [k, v.name])),
      };
    },
    async commands() {
      return (await readLines('calls.log')).map((l) => JSON.parse(l) as string);
    },
    async reloadCount() {
      return (await this.commands()).filter((c) => /^\s*module\s+reload\b/.test(c)).length;
    },
    async log() {
      return (await readLines('asterisk.log')).join('\n');
    },
    restart() {
      rmSync(join(home, 'loaded.json'), { force: true });
    },
    cleanup() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** pids of the processes running as this fake (its wrapper exports the home), read from Linux /proc */
export function fakeProcesses(f: Pick<FakeAsterisk, 'home'>): number[] {
  const marker = `FAKE_ASTERISK_HOME=${f.home}\0`;
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
    } catch {
      return false; // ended meanwhile, or not ours to read
    }
  }).map(Number);
}
