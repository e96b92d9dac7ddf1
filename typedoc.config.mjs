// typedoc (npm run docs): one API reference for the published @spam/* packages (every
// packages/<dir> that is not private, read by scripts/lib/workspace.mjs), in docs/api/
// (gitignored), with docs/CONCEPTS.md as its front page. Each package is documented from its
// TypeScript sources: one entry per subpath of its `exports` map (`./dist/<name>.js` ->
// `src/<name>.ts`, e.g. `@spam/structured/node` -> `src/node.ts`).
import { join, relative } from 'node:path';
import { publishedPackages, sourceEntries } from './scripts/lib/workspace.mjs';

const published = publishedPackages();
const packages = published.map((p) => `packages/${p.dir}`);
const names = new Set(
  published.flatMap((p) => sourceEntries(p).map(([, file]) => relative(join(p.path, 'src'), file).replace(/\.ts$/, ''))),
);
// One pattern for all packages (typedoc's packageOptions are shared): an extglob of the entry names
// that only matches the files each package has.
const entry = names.size > 1 ? `src/@(${[...names].join('|')}).ts` : 'src/index.ts';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'SpaM for TensorFlow.js',
  entryPoints: packages,
  entryPointStrategy: 'packages',
  packageOptions: {
    entryPoints: [entry],
    tsconfig: '../../tsconfig.json',
    excludeInternal: true,
    excludePrivate: true,
    sort: ['source-order'],
    disableSources: true,
  },
  out: 'docs/api',
  readme: 'docs/CONCEPTS.md',
  includeVersion: true,
  disableSources: true,
  highlightLanguages: ['bash', 'sh', 'ts', 'typescript', 'js', 'javascript', 'json', 'bibtex', 'text'],
  validation: { notExported: true, invalidLink: true, notDocumented: false },
};
