// Every ```ts block of every package README must run as written (docs with runnable examples).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { publishedPackages } from '../scripts/lib/workspace.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Every published package (packages/<dir> not private), read from the workspace. */
const packages = publishedPackages().map((p) => p.dir);

/** Runs one block as its own module and checks it leaves no tensors behind (variables aside). */
async function runBlock(name: string, code: string): Promise<void> {
  const file = `${root}/test/.readme-${name}.snippet.ts`;
  writeFileSync(file, `${code}\nexport {};\n`);
  const variables = () => Object.keys(tf.engine().registeredVariables).length;
  const before = tf.memory().numTensors - variables();
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    if (existsSync(file)) rmSync(file);
  }
  // The examples dispose every tensor they create; only variables (model weights, optimizer state) stay.
  expect(tf.memory().numTensors - variables(), `${name} leaks tensors`).toBe(before);
}

describe('README examples run', () => {
  for (const pkg of packages) {
    it(`packages/${pkg}/README.md`, async () => {
      const md = readFileSync(`${root}/packages/${pkg}/README.md`, 'utf8');
      const blocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
      expect(blocks.length, 'README has a ts example').toBeGreaterThan(0);
      for (const [i, code] of blocks.entries()) await runBlock(`${pkg}-${i}`, code);
    });
  }
});
