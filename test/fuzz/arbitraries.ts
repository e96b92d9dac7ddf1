/**
 * Shared fast-check arbitraries of the fuzz suite. They generate plain, printable SPECS (numbers,
 * strings, shapes, fills) rather than tensors, so that a counterexample reads as data and can be
 * replayed; `build.ts` turns specs into tensors and data sources. Options are in
 * `arbitraries-options.ts`, data in `arbitraries-data.ts`; import both from here.
 */
import fc from 'fast-check';

export * from './arbitraries-options.js';
export * from './arbitraries-data.js';

/** Path-like names: traversal, absolute, odd characters. `abs` is an absolute path of the sandbox to point at. */
export function pathLikeName(abs: string): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('model.json', 'weights.bin', 'w-1.bin', 'sub/w.bin'), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        '../x',
        '../../x',
        '../../../x',
        './../x',
        'a/../../x',
        '..',
        '.',
        '',
        '/',
        '..\\x',
        'sub/../../x',
        `${abs}/escaped.bin`,
        `${abs}/../escaped2.bin`,
        'x\u0000y',
        '%2e%2e/x',
        'file:../x',
        '~/x',
      ),
      weight: 3,
    },
  );
}
