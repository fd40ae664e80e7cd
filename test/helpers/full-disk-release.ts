// Loaded with --import before the CLI where a tiny tmpfs cannot be mounted: the lock release's write
// fails as it does on a full disk (ENOSPC), and nothing else does.
import { releaseIo } from '../../reconciler/lock.ts';

releaseIo.writeFile = async () => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
};
