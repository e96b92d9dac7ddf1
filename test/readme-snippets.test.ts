// Every package README's first ```ts block must run as written (docs with runnable examples).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['core', 'laplace'];

describe('README examples run', () => {
  for (const pkg of packages) {
    it(`packages/${pkg}/README.md`, async () => {
      const md = readFileSync(`${root}/packages/${pkg}/README.md`, 'utf8');
      const code = /```ts\n([\s\S]*?)```/.exec(md)?.[1];
      expect(code, 'README has a ts example').toBeTruthy();
      const file = `${root}/test/.readme-${pkg}.snippet.ts`;
      writeFileSync(file, `${code}\nexport {};\n`);
      const variables = () => Object.keys(tf.engine().registeredVariables).length;
      const before = tf.memory().numTensors - variables();
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        if (existsSync(file)) rmSync(file);
      }
      // The examples dispose every tensor they create; only variables (model weights, optimizer state) stay.
      expect(tf.memory().numTensors - variables()).toBe(before);
    });
  }
});
