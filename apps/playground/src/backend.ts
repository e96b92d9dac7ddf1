/**
 * Backend choice inside a worker: WebGPU, else WebGL, else wasm (SIMD, and threads when the page is
 * cross-origin isolated), else cpu; or the one the user picked. The wasm binaries are bundled by
 * Vite (`?url`), so the built app needs no CDN.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKENDS, type BackendInfo, type BackendName } from './protocol.js';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/** Why a backend cannot run here, or null when it can be tried. */
function precheck(name: BackendName): string | null {
  const g = globalThis as { navigator?: { gpu?: unknown }; OffscreenCanvas?: unknown };
  if (name === 'webgpu' && !g.navigator?.gpu) return 'navigator.gpu is not available';
  if (name === 'webgl' && typeof g.OffscreenCanvas === 'undefined') return 'no OffscreenCanvas in workers';
  return null;
}

/**
 * Sets `tf`'s backend: the requested one, or the first of {@link BACKENDS} that initialises ('auto').
 * `threads`: wasm thread count when threads are available (tfjs's default: half the cores, at most 4 —
 * the page runs two workers side by side). `exclude`: backends 'auto' skips (e.g. one that failed mid-training).
 */
export async function chooseBackend(
  requested: BackendName | 'auto',
  threads?: number,
  exclude: readonly BackendName[] = [],
): Promise<BackendInfo> {
  if (threads !== undefined) setThreadsCount(threads);
  const order = requested === 'auto' ? BACKENDS : [requested];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const pre = requested === 'auto' && exclude.includes(name) ? 'failed during training in this page' : precheck(name);
    if (pre) {
      skipped.push({ name, reason: pre });
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // A GPU backend may initialise but fail at its first kernel or read-back (no GPU, a lost
        // software device): run one and read it back before choosing it.
        const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
        try {
          // Both read-backs: the library reads small results synchronously (dataSync).
          if ((await probe.data())[0] !== 2 || probe.dataSync()[0] !== 2) throw new Error('1 + 1 ≠ 2 on this backend');
        } finally {
          probe.dispose();
        }
        const info: BackendInfo = { name, crossOriginIsolated: globalThis.crossOriginIsolated === true, skipped };
        if (name === 'wasm') {
          info.wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
          info.wasmThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
          info.threads = getThreadsCount();
        }
        return info;
      }
      skipped.push({ name, reason: 'tf.setBackend returned false' });
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new Error(`no tfjs backend could start (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
}
