/**
 * The fuzz inputs that used to hang, each in its own child process with a timeout (a synchronous
 * infinite loop cannot be interrupted in-process): evaluate / sparsitySweep with batchSize 0, and `fileSystem('/proc/x')` (Node's recursive
 * mkdir loops on procfs). Each must end within the timeout with a SpamError or a finite result.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./isolated-cases.ts', import.meta.url));
/** Generous: a child needs ~1 s to start on an idle machine; CI shares 2 cores with other test files. */
const TIMEOUT_MS = 25_000;

/** Runs one case; resolves with its JSON line, or `{outcome: 'timeout'}` after killing it. */
function runCase(name: string): Promise<{ outcome: string; detail?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, name], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ outcome: 'timeout', detail: `no answer within ${TIMEOUT_MS} ms (a hang)` });
    }, TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as { outcome: string; detail?: string });
      } catch {
        resolve({ outcome: 'crash', detail: `exit ${code}; stdout ${out.slice(-300)}; stderr ${err.slice(-600)}` });
      }
    });
  });
}

/** Only the inputs that can hang; other bad batch sizes are in the in-process properties. */
const CASES = [
  'evaluate batchSize 0',
  'sparsitySweep batchSize 0',
  ...(process.platform === 'linux' ? ["fileSystem('/proc/x').save"] : []),
];

describe('fuzz: formerly hanging inputs, each in a child process', () => {
  it.concurrent.each(CASES)(
    '%s ends with a SpamError or a finite result',
    async (name) => {
      const r = await runCase(name);
      expect(['ok', 'spam-error'], `${name}: ${r.outcome} — ${r.detail}`).toContain(r.outcome);
    },
    TIMEOUT_MS + 10_000,
  );
});
