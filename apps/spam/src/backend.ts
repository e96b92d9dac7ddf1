/**
 * Backend selection of the `spam` command: `wasm` (default when no native TensorFlow is present),
 * `cpu`, or `tensorflow` when the user has `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`
 * installed (detected at run time; SpaM never depends on them). On wasm, `@spam/tfjs-wasm-kernels`
 * replaces the kernels tfjs-backend-wasm 4.22 lacks or runs slowly (Conv2D filter gradients,
 * MaxPoolGrad, transposed matMul, Tile, Slice, SplitV, FusedBatchNorm).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@spam/tfjs-wasm-kernels';
import type { BackendChoice } from './config.js';

/** Which backend runs and why. */
export interface BackendInfo {
  name: string;
  /** e.g. `'@tensorflow/tfjs-node-gpu'` when the native backend came from it. */
  provider?: string;
  note: string;
}

/** Tries to load a native tfjs package; returns its name when it registered the `tensorflow` backend. */
async function loadNative(): Promise<string | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (tf.engine().registryFactory.tensorflow !== undefined) return pkg;
    } catch {
      // not installed (or its native binary failed to load): try the next one
    }
  }
  return undefined;
}

/**
 * Selects the backend: `auto` = `tensorflow` if a native tfjs package is installed, else `wasm`;
 * `tensorflow` without one throws, naming the packages to install.
 */
export async function chooseBackend(choice: BackendChoice): Promise<BackendInfo> {
  let provider: string | undefined;
  if (choice === 'auto' || choice === 'tensorflow') provider = await loadNative();
  if (choice === 'tensorflow' && !provider) {
    throw new Error(
      '--backend tensorflow needs @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA): npm install @tensorflow/tfjs-node',
    );
  }
  const name = provider ? 'tensorflow' : choice === 'auto' ? 'wasm' : choice;
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not initialise the tfjs '${name}' backend`);
  const note = provider
    ? `tensorflow (native, from ${provider})`
    : name === 'wasm'
      ? `wasm (WebAssembly + @spam/tfjs-wasm-kernels${choice === 'auto' ? '; no @tensorflow/tfjs-node found' : ''})`
      : name;
  return { name, provider, note };
}
