/**
 * The worker thread of the `spam` command (started by `job/main.ts` through
 * `bin/spam-worker.mjs`): runs {@link runSpam} and hands every report to the main thread, which
 * writes the files and keeps the latest report to save on Ctrl-C.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSpam } from '../run.js';
import type { Report } from '../types.js';
import { errorInfo, type MainMessage, type WorkerInput, type WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('job/worker.ts runs in a worker thread (see job/main.ts)');
const input = workerData as WorkerInput;
// Progress bars ask process.stdout whether it is a terminal; in a worker it is a pipe to the main thread.
if (input.tty) Object.assign(process.stdout, { isTTY: true, columns: input.columns });

const post = (m: WorkerMessage) => port.postMessage(m);
const pending = new Map<number, { resolve: (r: { files: string[]; warnings: string[] }) => void; reject: (e: Error) => void }>();
port.on('message', (m: MainMessage) => {
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if ('error' in m) p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
  else p.resolve({ files: m.files, warnings: m.warnings });
});
let nextId = 0;
const write = (out: string, report: Report) =>
  new Promise<{ files: string[]; warnings: string[] }>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    post({ type: 'write', id, out, report });
  });

try {
  const { tensorsLeaked, files } = await runSpam(input.cfg, {
    argv: input.argv,
    summary: !input.part,
    write,
    changed: (report) => post({ type: 'report', report }),
  });
  post({ type: 'done', tensorsLeaked, files });
} catch (e) {
  post({ type: 'error', error: errorInfo(e) });
} finally {
  port.unref(); // the thread ends once its output is flushed
}
