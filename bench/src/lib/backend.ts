import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'wasm' | 'cpu';

/** Switches tfjs to `name` and fails loudly if tfjs ends up on another backend. */
export async function useBackend(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not switch tfjs to the '${name}' backend (active: '${tf.getBackend()}')`);
}

/** One line describing the active backend (name, and SIMD/threads for wasm). */
export async function describeBackend(): Promise<string> {
  const name = tf.getBackend();
  if (name !== 'wasm') return `${name} (tfjs ${tf.version.tfjs})`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  let count = '?';
  try {
    count = String(getThreadsCount());
  } catch {
    /* not initialised */
  }
  return `wasm (tfjs ${tf.version.tfjs}; SIMD ${simd ? 'on' : 'off'}; multithread ${threads ? 'on' : 'off'}, XNNPACK threads ${count})`;
}
