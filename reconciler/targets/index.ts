// Builds the Target a config names: this machine, a Docker container on it, or a PBX over SSH.
import type { ReconcilerConfig } from '../config.js';
import type { Target } from '../target.js';
import { DockerTarget } from './docker.js';
import { LocalTarget } from './local.js';

export async function createTarget(config: ReconcilerConfig): Promise<Target> {
  const t = config.target;
  switch (t.kind) {
    case 'local':
      return new LocalTarget();
    case 'docker':
      if (!t.container) throw new Error('target.kind is docker but target.container is not set');
      return new DockerTarget({ container: t.container });
    case 'ssh': {
      if (!t.ssh) throw new Error('target.kind is ssh but host, user, privateKey or hostKeyFingerprint is missing');
      // loaded only here: a local reconciler never pays for ssh2
      const { connectSsh } = await import('./ssh.js');
      return connectSsh({ host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, privateKeyPath: t.ssh.privateKey,
        hostKeyFingerprint: t.ssh.hostKeyFingerprint });
    }
  }
}
