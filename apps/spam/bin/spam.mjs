#!/usr/bin/env node
// The `spam` command: runs the TypeScript sources through tsx (a dependency of this package),
// registered in this process (no child process between the terminal and the run, so Ctrl-C
// reaches it directly). The run itself goes to a worker thread (src/job/supervisor.ts).
import { register } from 'tsx/esm/api';

// A Ctrl-C while the sources load is kept and handled once the run's handlers are in place
// (the partial report then says the run was interrupted before it started).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let early;
const keep = (signal) => (early ??= signal);
for (const s of SIGNALS) process.on(s, keep);
register();
const { cli } = await import('../src/cli.ts');
for (const s of SIGNALS) process.off(s, keep);
await cli(process.argv.slice(2), { pendingSignal: early });
