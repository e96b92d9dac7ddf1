/**
 * The frame around one run of an example: where its lines go, whether it shows progress bars,
 * which tfjs backend it runs on, and the check that it disposed every tensor it created.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from './backend.js';

/** Options every example's `run(options)` takes. */
export interface RunContextOptions {
  /** tfjs backend. Default `'wasm'`. */
  backend?: BackendName;
  /** Line printer; `false` silences the run. Default `console.log`. */
  log?: ((line: string) => void) | false;
  /** Show progress bars (only when logging). Default true. */
  progress?: boolean;
}

/** What {@link startRun} returns. */
export interface RunContext {
  /** The line printer (a no-op when the run is silenced). */
  log: (line: string) => void;
  /** Whether to draw progress bars. */
  showProgress: boolean;
  /** Name of the tfjs backend in use. */
  backend: string;
  /** Prints `tensors leaked: N` and returns N, the live tensors now minus those at the start. */
  finish(): number;
}

/**
 * Starts a run: selects and initialises the backend, prints `tfjs <version>, backend: <name>`
 * and records the number of live tensors for {@link RunContext.finish}.
 */
export async function startRun(options: RunContextOptions): Promise<RunContext> {
  const log = options.log === false ? () => undefined : (options.log ?? ((s: string) => console.log(s)));
  const showProgress = options.log !== false && (options.progress ?? true);
  const backend = await selectBackend(options.backend ?? 'wasm');
  log(`tfjs ${tf.version.tfjs}, backend: ${backend}`);
  const tensorsAtStart = tf.memory().numTensors;
  const finish = () => {
    const tensorsLeaked = tf.memory().numTensors - tensorsAtStart;
    log(`tensors leaked: ${tensorsLeaked}`);
    return tensorsLeaked;
  };
  return { log, showProgress, backend, finish };
}
