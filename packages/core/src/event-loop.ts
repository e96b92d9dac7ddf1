/**
 * Long SpaM loops (training epochs, curvature fits, hyper steps) await only promises that settle
 * as microtasks, which starve the event loop: timers, I/O, signal handlers (Ctrl-C) and browser
 * rendering would wait for the whole loop. A yielder gives the event loop a turn now and then.
 */

/**
 * Returns an async function that yields to the event loop (a `setTimeout(0)` turn) when at least
 * `intervalMs` have passed since the last yield, and returns at once otherwise.
 */
export function eventLoopYielder(intervalMs = 50): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}
