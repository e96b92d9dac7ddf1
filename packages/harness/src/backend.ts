/**
 * tfjs backend selection for the examples: the WebAssembly backend (`@tensorflow/tfjs-backend-wasm`,
 * registered by importing this module) or the pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** The backends the examples support. */
export type BackendName = 'wasm' | 'cpu';

/** Whether `name` is a supported backend. */
export function isBackendName(name: string): name is BackendName {
  return name === 'wasm' || name === 'cpu';
}

/** Selects and initialises a tfjs backend; throws if it cannot be used. Returns its name. */
export async function selectBackend(name: BackendName): Promise<string> {
  if (!isBackendName(name)) throw new Error(`unknown backend '${name}', use wasm or cpu`);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not initialise the tfjs '${name}' backend`);
  return tf.getBackend();
}
