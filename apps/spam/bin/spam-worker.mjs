// The worker thread of the `spam` command (started by src/job/supervisor.ts): tsx is registered
// per thread, so register it here too, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('../src/job/worker.ts');
