#!/usr/bin/env node
// `npm start` of the repository: builds the packages quietly (turbo, cached; telemetry off), then
// runs `spam` in this same process (no npm or tsx child process in between, so Ctrl-C reaches the
// run directly and its partial report is saved). Flags after `npm start --` go to `spam`.
//
// The build prints nothing unless it fails; then its whole output is printed and the exit code is
// the build's. SPAM_NO_BUILD=1 skips the build (the packages must have been built before).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

if (process.env.SPAM_NO_BUILD !== '1') {
  const turbo = createRequire(import.meta.url).resolve('turbo/bin/turbo');
  const t0 = Date.now();
  const build = spawnSync(process.execPath, [turbo, 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (build.error || build.status !== 0) {
    process.stdout.write(build.stdout ?? '');
    process.stderr.write(build.stderr ?? '');
    const why = build.error ? build.error.message : build.signal ? `stopped by ${build.signal}` : `exit code ${build.status}`;
    console.error(`\nspam: building the packages failed (${why}); the output is above (turbo run build in ${root})`);
    process.exit(build.status || 1);
  }
  console.log(`packages built (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
await import('../bin/spam.mjs');
